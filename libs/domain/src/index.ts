export * from './entities';
export { createDataSource, dataSourceOptions, migrate } from './data-source';
