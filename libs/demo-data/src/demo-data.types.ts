export interface DemoDataOptions {
  /** Number of clients, 1 .. 1,000,000 (about 20 visits each on average). */
  clients: number;
  /** Default 42. The same seed and the same `until` give byte-identical files. */
  seed?: number;
  /** End of the history (default: today 00:00 UTC); the history spans four years back from it. */
  until?: Date;
  /** Directory to write into; created if missing. */
  outDir: string;
  /** The organization's country (ISO 3166-1 alpha-2), whose clients' numbers are sometimes written nationally. Default 'GE'. */
  country?: string;
}

export interface DemoDataFiles {
  staff: string;
  services: string;
  clients: string;
  visits: string;
  payments: string;
}

export interface DemoDataResult {
  /** Absolute paths of the written CSV files. */
  files: DemoDataFiles;
  /** Data rows written to each file (headers not counted). */
  counts: { staff: number; services: number; clients: number; visits: number; payments: number };
}
