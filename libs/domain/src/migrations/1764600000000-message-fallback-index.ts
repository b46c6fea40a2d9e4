import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * At most one fallback per message: a unique index on messages.fallback_of (only the fallbacks
 * have one, so it stays small). The fallback sweep and the dispatcher's "campaign finished" check
 * ask, for refused or undelivered messages, whether their fallback exists; the sweep's INSERT
 * relies on it (ON CONFLICT DO NOTHING) when two sweeps race.
 */
export class MessageFallbackIndex1764600000000 implements MigrationInterface {
  name = 'MessageFallbackIndex1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNIQUE INDEX "ux_messages_fallback_of" ON "messages" ("fallback_of") WHERE fallback_of IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ux_messages_fallback_of"`);
  }
}
