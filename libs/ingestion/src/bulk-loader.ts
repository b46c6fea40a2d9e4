import { once } from 'node:events';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Counts, OrgContext, RowSink } from './chunk-writer';
import { copyValue, CopyTextBuffer } from './copy-text-buffer';
import type { ProblemList } from './problems';
import type { KindSpec, RecordKind } from './record-kinds';
import { CompactIdMap } from './compact-id-map';
import { loadReferenceMap } from './reference-map';
import { orgPartition } from './upsert-statements';

/** The bulk load found an external id twice: the caller redoes the file through upserts. */
export class RepeatedExternalIdError extends Error {}

const UNIQUE_VIOLATION = '23505';

interface Target {
  table: 'clients' | 'visits' | 'payment_events';
  columns: string[];
  /** Builds the COPY line of a row, or reports a reference that does not resolve. */
  line(values: (string | null)[], refs: Refs, org: OrgContext): string | Unresolved;
}

interface Refs {
  clients: CompactIdMap;
  staff: CompactIdMap;
  services: CompactIdMap;
}

const missing = (field: string, what: string, id: string) => ({ field, message: `no ${what} with external_id ${JSON.stringify(id)} in this organization` });

type Unresolved = { field: string; message: string };
const unresolved = (v: number | null | Unresolved): v is Unresolved => typeof v === 'object' && v !== null;

/** The id of a referenced row, null for no reference, or the problem when it does not resolve. */
function resolve(map: CompactIdMap, externalId: string | null, field: string, what: string): number | null | Unresolved {
  if (externalId === null) return null;
  return map.get(externalId) ?? missing(field, what, externalId);
}

const consentValue = (v: string | null) => v ?? 'unknown';

/**
 * Column positions follow KIND_SPECS (record-kinds.ts). organization_id is left out: each
 * partition defaults it to its own organization (see the foundation migration).
 */
const TARGETS: Record<'clients' | 'visits' | 'payments', Target> = {
  clients: {
    table: 'clients',
    columns: ['external_id', 'name', 'phone', 'email', 'viber_id', 'locale', 'timezone', 'consent_sms', 'consent_email', 'consent_viber', 'consent_voice'],
    line([externalId, name, phone, email, viber, locale, timezone, sms, mail, viberConsent, voice]) {
      return (
        `${copyValue(externalId)}\t${copyValue(name)}\t${copyValue(phone)}\t${copyValue(email)}\t${copyValue(viber)}\t` +
        `${copyValue(locale)}\t${copyValue(timezone)}\t${consentValue(sms)}\t${consentValue(mail)}\t${consentValue(viberConsent)}\t${consentValue(voice)}\n`
      );
    },
  },
  visits: {
    table: 'visits',
    columns: ['external_id', 'client_id', 'staff_member_id', 'service_id', 'visited_at', 'amount', 'currency'],
    line([externalId, client, visitedAt, amount, currency, staff, service], refs, org) {
      const clientId = resolve(refs.clients, client, 'client_external_id', 'client');
      if (unresolved(clientId)) return clientId;
      const staffId = resolve(refs.staff, staff, 'staff_external_id', 'staff member');
      if (unresolved(staffId)) return staffId;
      const serviceId = resolve(refs.services, service, 'service_external_id', 'service');
      if (unresolved(serviceId)) return serviceId;
      return `${copyValue(externalId)}\t${clientId}\t${staffId ?? '\\N'}\t${serviceId ?? '\\N'}\t${visitedAt}\t${amount}\t${currency ?? org.currency}\n`;
    },
  },
  payments: {
    table: 'payment_events',
    columns: ['external_id', 'client_id', 'occurred_at', 'status', 'amount', 'currency', 'failure_code'],
    line([externalId, client, occurredAt, status, amount, currency, failureCode], refs, org) {
      const clientId = resolve(refs.clients, client, 'client_external_id', 'client');
      if (unresolved(clientId)) return clientId;
      return `${copyValue(externalId)}\t${clientId}\t${occurredAt}\t${status}\t${amount}\t${currency ?? org.currency}\t${copyValue(failureCode)}\n`;
    },
  },
};

/**
 * The first load of an organization's clients, visits or payments: its partition is empty, so every row
 * is new. The partition's indexes are dropped, the rows go into it with a single COPY (their
 * references resolved in Node from maps read once), and the indexes are built again, sorted,
 * which is several times faster than maintaining them row by row. All of it inside the import's
 * transaction and on this organization's partition only: nobody else's data is locked.
 *
 * The result is what the upsert path would give: if the file repeats an external id, building
 * the unique index fails and the caller redoes the file through upserts (last row wins).
 */
export class BulkLoader implements RowSink {
  readonly counts: Counts = { received: 0, inserted: 0, updated: 0, method: 'bulk' };
  /** Rows are encoded off-heap as they come, then handed to COPY a megabyte at a time. */
  private readonly text = new CopyTextBuffer();
  /** Opened with the first row, so a file without rows never leaves the connection in COPY. */
  private copy: (NodeJS.WritableStream & { on: (e: string, f: (err: unknown) => void) => void }) | null = null;
  private failure: unknown = null;
  private blocked = false;

  private constructor(
    private readonly db: PoolClient,
    private readonly target: Target,
    private readonly org: OrgContext,
    private readonly refs: Refs,
    private readonly problems: ProblemList,
    private readonly spec: KindSpec,
    private readonly consentSource: string,
    private readonly file: string | undefined,
  ) {}

  private openCopy(): NonNullable<BulkLoader['copy']> {
    const table = orgPartition(this.target.table, this.org.id);
    const copy = this.db.query(copyFrom(`COPY ${table} (${this.target.columns.join(', ')}) FROM STDIN`)) as never as NonNullable<BulkLoader['copy']>;
    copy.on('error', (err) => {
      this.failure ??= err;
    });
    return copy;
  }

  /** Kinds that have per-organization partitions, and so a first-load path. */
  static supports(kind: RecordKind): kind is keyof typeof TARGETS {
    return Object.hasOwn(TARGETS, kind);
  }

  /** A loader when the organization has no rows of this kind yet, otherwise null. */
  static async open(db: PoolClient, spec: KindSpec, org: OrgContext, problems: ProblemList, consentSource: string, file?: string): Promise<BulkLoader | null> {
    if (!BulkLoader.supports(spec.kind)) return null;
    const target = TARGETS[spec.kind];
    const table = orgPartition(target.table, org.id);
    const { rows } = await db.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${table}) AS any`);
    if (rows[0].any) return null;
    const refs: Refs = {
      clients: spec.kind === 'clients' ? new CompactIdMap() : await loadReferenceMap(db, 'clients', org.id),
      staff: spec.kind === 'visits' ? await loadReferenceMap(db, 'staff_members', org.id) : new CompactIdMap(),
      services: spec.kind === 'visits' ? await loadReferenceMap(db, 'services', org.id) : new CompactIdMap(),
    };
    await db.query(`SELECT comeback_drop_org_partition_indexes($1, $2)`, [target.table, org.id]);
    return new BulkLoader(db, target, org, refs, problems, spec, consentSource, file);
  }

  add(position: number, values: (string | null)[]): void {
    this.counts.received++;
    const line = this.target.line(values, this.refs, this.org);
    if (typeof line !== 'string') {
      this.problems.add({ kind: this.spec.kind, file: this.file, position, field: line.field, message: line.message });
      return;
    }
    const full = this.text.append(line);
    if (full) this.write(full);
  }

  /** Hands everything gathered so far to COPY. */
  private send(): void {
    for (const part of this.text.take()) this.write(part);
  }

  private write(part: Buffer): void {
    this.copy ??= this.openCopy();
    if (!this.copy.write(part)) this.blocked = true;
  }

  /** True when PostgreSQL is behind and the reader should wait. */
  get chunkFull(): boolean {
    return this.blocked;
  }

  async flushChunk(): Promise<void> {
    if (this.blocked && this.copy) {
      await once(this.copy as never, 'drain');
      this.blocked = false;
    }
    if (this.failure) throw this.failure;
  }

  discard(): void {
    this.text.clear();
  }

  /**
   * Every consent the file stated is a change from "unknown": one history row each, set-based,
   * into the organization's (empty) history partition with its index rebuilt afterwards.
   */
  private async recordInitialConsent(): Promise<void> {
    await this.db.query(`SELECT comeback_drop_org_partition_indexes('consent_changes', $1)`, [this.org.id]);
    await this.db.query(
      `INSERT INTO ${orgPartition('consent_changes', this.org.id)} (client_id, channel, status, source)
       SELECT c.id, x.channel, x.status, $1
       FROM ${orgPartition('clients', this.org.id)} c
       CROSS JOIN LATERAL (VALUES ('sms', c.consent_sms), ('email', c.consent_email), ('viber', c.consent_viber), ('voice', c.consent_voice)) AS x(channel, status)
       WHERE x.status <> 'unknown'`,
      [this.consentSource],
    );
  }

  async finish(): Promise<Counts> {
    this.send();
    if (this.copy) {
      const finished = once(this.copy as never, 'finish').catch((err: unknown) => (this.failure ??= err));
      this.copy.end();
      if (!this.failure) await finished;
    }
    if (this.failure) throw this.failure;
    const inserted = this.counts.received;
    if (this.problems.any) return this.counts; // the import rolls back; no indexes needed
    await this.db.query('SAVEPOINT rebuild_indexes');
    try {
      if (this.target.table === 'clients') await this.recordInitialConsent();
      await this.db.query(`SELECT comeback_create_org_partitions($1)`, [this.org.id]);
    } catch (err) {
      await this.db.query('ROLLBACK TO SAVEPOINT rebuild_indexes');
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new RepeatedExternalIdError((err as Error).message);
      throw err;
    }
    await this.db.query('RELEASE SAVEPOINT rebuild_indexes');
    // Fresh statistics for the queries that read this history next (sweeps, reports).
    await this.db.query(`ANALYZE ${orgPartition(this.target.table, this.org.id)}`);
    this.counts.inserted = inserted;
    return this.counts;
  }
}
