export { AppMetrics, QUEUE_STATES } from './app-metrics';
export { currentCorrelation, isWellFormedCorrelationId, requestCorrelationId, runWithCorrelation, withCorrelationId, type CorrelationContext } from './correlation';
export { HttpObserver } from './http-observer';
export { observeBullmqJobs } from './job-observer';
export { JsonLogger, REDACTED_PATHS } from './json-logger';
export { ObservabilityModule } from './observability.module';
