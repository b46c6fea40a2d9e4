import type { Command } from 'commander';
import type { CliConfig } from '../cli-config';

export function registerDemoData(program: Command, _config: () => CliConfig): void {
  program.command('demo-data').description('generate demo data (in progress)');
}
