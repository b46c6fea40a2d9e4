export { generateDemoData, MAX_DEMO_CLIENTS } from './demo-data.generator';
export type { DemoDataFiles, DemoDataOptions, DemoDataResult } from './demo-data.types';
