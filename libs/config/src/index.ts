export { COMMON_ENV, envVar, portVar, type EnvVar } from './env-var';
export { ConfigError, describeConfig, loadConfig, type ConfigOf, type EnvSpec } from './load-config';
