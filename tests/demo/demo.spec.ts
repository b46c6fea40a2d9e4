import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseUrl, TEST_ADMIN_DATABASE_URL, TEST_REDIS_URL, testRedisPrefix } from '@comeback/testing';

const root = join(__dirname, '..', '..');

/** A base port with the next four free too. */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 20000);
    const ok = await Promise.all(
      [0, 1, 2, 3, 4].map(
        (i) =>
          new Promise<boolean>((resolve) => {
            const s = createServer();
            s.once('error', () => resolve(false));
            s.listen(base + i, '127.0.0.1', () => s.close(() => resolve(true)));
          }),
      ),
    );
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free ports');
}

describe('npm run demo (comeback demo)', () => {
  const name = `${process.env.COMEBACK_TEST_RUN}_demo`;
  const url = databaseUrl(name);
  afterAll(async () => {
    const admin = new Client({ connectionString: TEST_ADMIN_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  it('creates the database, loads the demo clinic, starts every app healthy and prints a working API key', async () => {
    const base = await freeBasePort();
    const child = spawn(process.execPath, ['bin/comeback.js', 'demo', '--clients', '300', '--base-port', String(base)], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: testRedisPrefix() },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const deadline = Date.now() + 120_000;
      while (!out.includes('ready. Press Ctrl-C to stop.') && Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`demo exited early:\n${out}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(out).toContain('ready. Press Ctrl-C to stop.');
      expect(out).toContain(`created database ${name}`);
      expect(out).toMatch(/clients\s+300 rows: 300 new/);
      // The lapse detector ran through its API and found lost clients.
      expect(out).toMatch(/full sweep: 300 clients scored, [1-9]\d* new events/);
      expect(out).toMatch(/clients: \d+ active, \d+ at risk, [1-9]\d* lapsed, \d+ too new to judge, [1-9]\d* came once/);
      // ... and built this cycle's call list: the ten most valuable lost clients for managers.
      expect(out).toMatch(/call list: 10 most valuable lost clients for managers, \d+ for the retention team/);
      expect(out).toMatch(/e\.g\. call .+ \(\+\d+\): \d+(\.\d+)? GEL in the last 12 months/);
      // The demo campaign ran: its e-mail went over real SMTP and every one sent was received and parsed back.
      const mail = /e-mail: (\d+) sent over SMTP to the demo mailbox, (\d+) received and parsed back/.exec(out);
      expect(mail?.[2]).toBe(mail?.[1]);
      expect(out).toMatch(/simulated reply from .+ \(campaign replies: 1\)/);
      // ... and it reached the client's card through the response collector.
      expect(out).toMatch(/on .+'s card: "ძალიან ძვირი გახდა" by (sms|email|viber|voice)/);

      // Every app answers its health check with both stores up.
      for (const port of [base, base + 1, base + 2, base + 3, base + 4]) {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        expect([port, res.status]).toEqual([port, 200]);
        expect(((await res.json()) as { checks: { postgres: { status: string } } }).checks.postgres.status).toBe('up');
      }

      // The printed key works against the printed organization.
      const key = /ingestion API key\s+(cbk_\S+)/.exec(out)?.[1];
      const org = /id ([0-9a-f-]{36})\)/.exec(out)?.[1];
      expect(key).toBeDefined();
      const res = await fetch(`http://127.0.0.1:${base}/api/v1/organizations/${org}/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records: [{ external_id: 'demo-web-1', name: 'ნინო ბერიძე', phone: '555 12 34 56', locale: 'ka' }] }),
      });
      expect(await res.json()).toEqual({ kind: 'clients', received: 1, inserted: 1, updated: 0, unchanged: 0 });

      const db = new Client({ connectionString: url });
      await db.connect();
      const { rows } = await db.query(
        `SELECT count(*)::int AS clients, (SELECT count(*)::int FROM visits v WHERE v.organization_id = o.id) AS visits,
                count(DISTINCT c.locale)::int AS locales
         FROM organizations o JOIN clients c ON c.organization_id = o.id WHERE o.slug = 'demo-clinic' GROUP BY o.id`,
      );
      // The report app received the sweep's events (durable transport) and wrote the timelines
      // (one per episode; the simulated reply adds a reason.recorded entry of its own).
      const deadline2 = Date.now() + 30_000;
      let timeline = { episodes: 0, activities: -1 };
      while (Date.now() < deadline2) {
        const t = await db.query(`SELECT (SELECT count(*)::int FROM churn_episodes) AS episodes, (SELECT count(*)::int FROM client_activities WHERE kind LIKE 'client.%') AS activities`);
        timeline = t.rows[0];
        if (timeline.activities === timeline.episodes) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(timeline.episodes).toBeGreaterThan(0);
      expect(timeline.activities).toBe(timeline.episodes);
      await db.end();
      expect(rows[0].clients).toBe(301);
      expect(rows[0].visits).toBeGreaterThan(3000);
      expect(rows[0].locales).toBeGreaterThanOrEqual(6);
    } finally {
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
    // The apps were stopped with it.
    const after = await fetch(`http://127.0.0.1:${base}/health`).then(
      () => 'still up',
      () => 'stopped',
    );
    expect(after).toBe('stopped');
  }, 180_000);
});
