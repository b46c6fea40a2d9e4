export { checkInfrastructure, checkPostgres, checkRedis, InfrastructureUnavailableError } from './infrastructure';
export { newRedisClient, pingRedis, redisUrlOptions, type RedisClient, type RedisTarget } from './redis-client';
