export { checkInfrastructure, checkPostgres, checkRedis, InfrastructureUnavailableError } from './infrastructure';
