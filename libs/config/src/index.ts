export { COMMON_ENV, DEFAULT_PG_POOL_SIZE, envVar, pgPoolSizeVar, portVar, redisHashTag, type EnvVar, type RedisNode } from './env-var';
export { ConfigError, describeConfig, loadConfig, type ConfigOf, type EnvSpec } from './load-config';
export { SECURITY_ENV } from './security-env';
