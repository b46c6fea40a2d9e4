export { COMMON_ENV, envVar, pgPoolSizeVar, portVar, type EnvVar } from './env-var';
export { ConfigError, describeConfig, loadConfig, type ConfigOf, type EnvSpec } from './load-config';
export { SECURITY_ENV } from './security-env';
