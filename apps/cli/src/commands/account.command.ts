import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { createStaffAccount } from '@comeback/accounts';
import { findOrganization } from '@comeback/ingestion';
import type { CliConfig } from '../cli-config';
import { openDatabase } from '../database';

/** Reads the whole of standard input (a password piped in), without its final line break. */
async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  return text.replace(/\r?\n$/, '');
}

export function registerAccount(program: Command, config: () => CliConfig): void {
  const account = program.command('account').description('console accounts (staff who sign in)');
  account
    .command('create')
    .description('create a console account; the password comes from standard input (--password-stdin) or is generated and shown once')
    .requiredOption('--org <id|slug>', 'organization the account belongs to')
    .requiredOption('--email <address>', 'sign-in e-mail (unique)')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--role <role>', 'admin, marketer, caller or viewer')
    // Never as an argument: command lines are visible to every user of the machine (ps).
    .option('--password-stdin', 'read the password from standard input')
    .action(async (o: { org: string; email: string; name: string; role: string; passwordStdin?: boolean }) => {
      const password = o.passwordStdin ? await readStdin() : randomBytes(18).toString('base64url');
      const pool = await openDatabase(config().DATABASE_URL);
      try {
        const organization = await findOrganization(pool, o.org);
        const created = await createStaffAccount(pool, { organizationId: organization.id, email: o.email, displayName: o.name, role: o.role, password });
        console.log(`account ${created.email} (${created.role}) in organization ${o.org}`);
        if (!o.passwordStdin) console.log(`password ${password}   (shown once; stored only as an argon2id hash)`);
      } finally {
        await pool.end();
      }
    });
}
