import type { Command } from 'commander';
import { checkPostgres } from '@comeback/connectivity';
import type { CliConfig } from '../cli-config';
import { createDatabaseIfMissing } from '../database';

export function registerMigrate(program: Command, config: () => CliConfig): void {
  program
    .command('migrate')
    .description('apply the committed database migrations')
    .option('--create-database', 'create the database first when it does not exist')
    .action(async (opts: { createDatabase?: boolean }) => {
      const url = config().DATABASE_URL;
      if (opts.createDatabase) {
        if (await createDatabaseIfMissing(url)) console.log(`created database ${new URL(url).pathname.slice(1)}`);
      }
      await checkPostgres(url);
      // TypeORM loads only for the commands that need it: it is heavy for an importer's memory.
      const { migrate } = await import('@comeback/domain');
      const applied = await migrate(url);
      console.log(applied.length ? `applied ${applied.join(', ')}` : 'the schema is up to date');
    });
}
