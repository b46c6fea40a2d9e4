export { AppRootModule } from './app-root.module';
export { bootstrapApp, createNestApp, loadAppConfigOrExit, type AppOptions } from './bootstrap';
export { HealthModule } from './health/health.module';
export { checkInfrastructure, checkPostgres, checkRedis, InfrastructureUnavailableError, type RedisClient, type RedisTarget } from '@comeback/connectivity';
export { DEFAULT_PG_POOL_SIZE, InfrastructureModule, INFRASTRUCTURE_OPTIONS, PG_POOL, TYPEORM_POOL_SIZE, type InfrastructureOptions } from './infrastructure.module';
export { HTTP_DRAIN_SECONDS } from './http-drain';
export { createRedis, REDIS } from './redis';
export { isRedisConnectionError, logBullmqErrors, watchRedisConnection } from './redis-connection-watch';
export { ApiKeyGuard, type ApiKeyRequest } from './auth/api-key.guard';
export { ExpiringCache, type CachedEntry } from './expiring-cache';
export { StatementBatcher, type NumberedRow } from './statement-batcher';
export { findNul, NulFreeInputModule, NulFreeInputPipe } from './validation/nul-free-input';
export { isUtf8Form, NOT_UTF8_MESSAGE } from './validation/utf8-body';
export {
  AppMetrics, currentCorrelation, HttpObserver, JsonLogger, ObservabilityModule, runWithCorrelation, requestCorrelationId,
  withCorrelationId, type CorrelationContext,
} from './observability';
export { clientIp, hashedKey, RedisRateLimit, SECURITY_HEADERS, securityHeaders, sendTooManyRequests, setSecurityHeaders, type RateLimitRule, type RateLimitVerdict } from './security';
