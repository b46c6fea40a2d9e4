export { checkInfrastructure, checkPostgres, checkRedis, InfrastructureUnavailableError } from './infrastructure';
export { withTimeout } from './with-timeout';
export { newRedisClient, pingRedis, redisUrlOptions, type RedisClient, type RedisTarget } from './redis-client';
