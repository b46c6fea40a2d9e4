export * from './entities';
export { createDataSource, dataSourceOptions, migrate } from './data-source';
export { InvalidLapseSettingsError, LAPSE_SETTINGS_SCHEMA, parseLapseSettings, type LapseSettings } from './lapse-settings';
export { inTransaction } from './transaction';
