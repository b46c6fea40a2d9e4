import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '@comeback/config';
import { IngestionRejectedError, InvalidOrganizationError, OrganizationNotFoundError } from '@comeback/ingestion';
import { InfrastructureUnavailableError } from '@comeback/connectivity';
import { InvalidAccountError } from '@comeback/accounts';
import { LapseInputError } from '@comeback/lapse-model';
import { CLI_ENV, type CliConfig } from './cli-config';
import { registerAccount } from './commands/account.command';
import { registerDemo } from './commands/demo.command';
import { registerDemoData } from './commands/demo-data.command';
import { registerImport } from './commands/import.command';
import { registerLapse } from './commands/lapse.command';
import { registerMigrate } from './commands/migrate.command';
import { registerOrg } from './commands/org.command';
import { CliError } from './database';

/** Errors whose message is the whole story: printed alone, no stack trace. */
const USER_ERRORS = [InvalidAccountError, ConfigError, InfrastructureUnavailableError, IngestionRejectedError, OrganizationNotFoundError, InvalidOrganizationError, CliError, LapseInputError];

let config: CliConfig | undefined;
const getConfig = (): CliConfig => (config ??= loadConfig('comeback', CLI_ENV));

const program = new Command('comeback')
  .description('Comeback command line: database, organizations, imports and demo data.')
  .showHelpAfterError()
  .exitOverride();
registerMigrate(program, getConfig);
registerOrg(program, getConfig);
registerAccount(program, getConfig);
registerImport(program, getConfig);
registerDemoData(program, getConfig);
registerDemo(program, getConfig);
registerLapse(program);

program.parseAsync(process.argv).then(
  // `demo` keeps running (its apps) until Ctrl-C; every other command is done here.
  () => {
    if (program.args[0] !== 'demo') process.exit(0);
  },
  (err: unknown) => {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    if (USER_ERRORS.some((t) => err instanceof t)) {
      process.stderr.write(`comeback: ${(err as Error).message}\n`);
      process.exit(err instanceof IngestionRejectedError || err instanceof LapseInputError || err instanceof InvalidAccountError ? 2 : 1);
    }
    process.stderr.write(`comeback: unexpected error\n${(err as Error).stack ?? String(err)}\n`);
    process.exit(70);
  },
);
