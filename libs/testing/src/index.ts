export { factories, type OrganizationRow } from './factories';
export { tempDir } from './temp-files';
export { createTestDatabase, testRedisPrefix, type TestDatabase } from './test-database';
export { databaseUrl, TEST_ADMIN_DATABASE_URL, TEST_REDIS_URL } from './test-env';
export { waitFor } from './wait-for';
export { CHROMIUM_PATH, launchChromium, screenshot, SCREENSHOTS_DIR, signInToConsole, textOf } from './browser';
export { freePort, startPrivatePostgres, type PrivatePostgres } from './private-postgres';
export { metricSample } from './metric-sample';
