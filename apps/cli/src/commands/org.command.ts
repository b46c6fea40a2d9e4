import type { Command } from 'commander';
import { createApiKey, findOrganization, upsertOrganization } from '@comeback/ingestion';
import type { CliConfig } from '../cli-config';
import { openDatabase } from '../database';

export function registerOrg(program: Command, config: () => CliConfig): void {
  const org = program.command('org').description('organizations (the businesses served)');
  org
    .command('create')
    .description('create an organization, or update the one with this slug')
    .requiredOption('--slug <slug>', 'short unique handle, e.g. city-clinic')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--timezone <zone>', 'IANA time zone, e.g. Asia/Tbilisi')
    .requiredOption('--country <code>', 'ISO country code used to read national phone numbers, e.g. GE')
    .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. GEL')
    .option('--locale <tag>', 'default language of messages and pages', 'en')
    .action(async (o: { slug: string; name: string; timezone: string; country: string; currency: string; locale: string }) => {
      const pool = await openDatabase(config().DATABASE_URL);
      try {
        const id = await upsertOrganization(pool, { ...o, defaultLocale: o.locale });
        console.log(id);
      } finally {
        await pool.end();
      }
    });
  org
    .command('list')
    .description('list organizations')
    .action(async () => {
      const pool = await openDatabase(config().DATABASE_URL);
      try {
        const { rows } = await pool.query(`SELECT id, slug, name, timezone, country, currency, default_locale FROM organizations ORDER BY slug`);
        console.table(rows);
      } finally {
        await pool.end();
      }
    });

  program
    .command('api-key')
    .description('create an ingestion API key (shown once)')
    .requiredOption('--org <id|slug>', 'organization')
    .option('--name <name>', 'what the key is for', 'default')
    .action(async (o: { org: string; name: string }) => {
      const pool = await openDatabase(config().DATABASE_URL);
      try {
        const organization = await findOrganization(pool, o.org);
        const { key } = await createApiKey(pool, organization.id, o.name);
        console.log(key);
      } finally {
        await pool.end();
      }
    });
}
