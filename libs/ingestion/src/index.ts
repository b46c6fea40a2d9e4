export { createApiKey, revokeApiKeys, verifyApiKey } from './api-keys';
export { MAX_BATCH_ROWS, upsertBatch } from './batch-upsert';
export type { Counts, OrgContext } from './chunk-writer';
export { importCsvFiles, type ImportFiles, type ImportOptions, type ImportResult } from './csv-import';
export { findOrganization, OrganizationNotFoundError } from './organization-lookup';
export { InvalidOrganizationError, upsertOrganization, validateOrganization, type NewOrganization } from './organizations';
export { IngestionRejectedError, ProblemList, type Problem } from './problems';
export { KIND_SPECS, RECORD_KINDS, type RecordKind } from './record-kinds';
