import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/**
 * external_id → id of one organization's clients (or staff, or services), read with COPY in
 * one pass. A first bulk load resolves references with it in Node, which lets the rows go
 * straight into their table instead of through a staging table and a join. Ids are numbers:
 * bigint identities stay far below 2^53.
 */
export async function loadReferenceMap(db: PoolClient, table: 'clients' | 'staff_members' | 'services', organizationId: string): Promise<Map<string, number>> {
  const map = new Map<string, number>();
  const stream = db.query(copyTo(`COPY (SELECT external_id, id FROM ${table} WHERE organization_id = '${organizationId}') TO STDOUT`));
  let tail = '';
  for await (const chunk of stream) {
    const text = tail + (chunk as Buffer).toString('utf8');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      const tab = text.lastIndexOf('\t', nl);
      const key = text.slice(start, tab);
      map.set(key.includes('\\') ? unescapeCopy(key) : key, Number(text.slice(tab + 1, nl)));
      start = nl + 1;
    }
    tail = text.slice(start);
  }
  return map;
}

function unescapeCopy(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}
