import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { CompactIdMap } from './compact-id-map';

/**
 * external_id → id of one organization's clients (or staff, or services), read with COPY in
 * one pass. A first bulk load resolves references with it in Node, which lets the rows go
 * straight into their table instead of through a staging table and a join. Ids are numbers:
 * bigint identities stay far below 2^53.
 */
export async function loadReferenceMap(db: PoolClient, table: 'clients' | 'staff_members' | 'services', organizationId: string): Promise<CompactIdMap> {
  const map = new CompactIdMap();
  const stream = db.query(copyTo(`COPY (SELECT external_id, id FROM ${table} WHERE organization_id = '${organizationId}') TO STDOUT`));
  let tail: Buffer = Buffer.alloc(0);
  for await (const chunk of stream) {
    const data = tail.length ? Buffer.concat([tail, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10, start)) {
      const tab = data.lastIndexOf(9, nl);
      const id = Number(data.toString('latin1', tab + 1, nl));
      // COPY escapes backslashes, tabs and line breaks inside values; such ids are rare.
      if (data.indexOf(92, start) !== -1 && data.indexOf(92, start) < tab) map.add(unescapeCopy(data.toString('utf8', start, tab)), id);
      else map.addBytes(data, start, tab, id);
      start = nl + 1;
    }
    tail = Buffer.from(data.subarray(start));
  }
  return map;
}

function unescapeCopy(v: string): string {
  return v.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}
