export { AppRootModule } from './app-root.module';
export { bootstrapApp, createNestApp, loadAppConfigOrExit, type AppOptions } from './bootstrap';
export { HealthModule } from './health/health.module';
export { checkInfrastructure, checkPostgres, checkRedis, InfrastructureUnavailableError } from '@comeback/connectivity';
export { InfrastructureModule, INFRASTRUCTURE_OPTIONS, PG_POOL, type InfrastructureOptions } from './infrastructure.module';
export { createRedis, REDIS } from './redis';
export { ApiKeyGuard, type ApiKeyRequest } from './auth/api-key.guard';
export { ExpiringCache, type CachedEntry } from './expiring-cache';
