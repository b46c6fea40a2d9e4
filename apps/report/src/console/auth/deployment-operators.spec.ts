import type { Pool } from 'pg';
import { DeploymentOperators } from './deployment-operators';

const ALFA = '3f1c9a52-8d4e-4b7a-9c61-2e5f0d8b7a14';
const BRAVO = 'a7e20b9c-5f13-4d86-8b2a-6c9d1e4f3b70';

/** A pool that answers the organization count with `organizations()` and records how often it was asked. */
function fakePool(organizations: () => number) {
  const query = jest.fn(async () => ({ rows: [{ n: Math.min(organizations(), 2) }] }));
  return { pool: { query } as unknown as Pool, query };
}

/** Lets a read started in the background finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('DeploymentOperators', () => {
  let now = Date.parse('2026-03-02T10:00:00Z');
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it('with organizations listed, takes exactly those (any case) and never asks the database', async () => {
    const { pool, query } = fakePool(() => 1);
    const operators = new DeploymentOperators(pool, { secureCookies: false, operatorOrganizations: [ALFA] });
    await expect(operators.includes(ALFA)).resolves.toBe(true);
    await expect(operators.includes(ALFA.toUpperCase())).resolves.toBe(true);
    await expect(operators.includes(BRAVO)).resolves.toBe(false);
    expect(query).not.toHaveBeenCalled();
  });

  it('with none listed, takes the only organization of a deployment, and none once there are two', async () => {
    let organizations = 1;
    const { pool, query } = fakePool(() => organizations);
    const operators = new DeploymentOperators(pool, { secureCookies: false });
    await expect(operators.includes(ALFA)).resolves.toBe(true);
    organizations = 2;
    now += 11_000;
    // A stale answer serves the request that sees it expire while the count is read again.
    await operators.includes(ALFA);
    await settle();
    await expect(operators.includes(ALFA)).resolves.toBe(false);
    await expect(operators.includes(BRAVO)).resolves.toBe(false);
    expect(query).toHaveBeenCalledTimes(2);
  });

  it('counts the organizations once per ten seconds, however many requests ask, concurrent ones included', async () => {
    const { pool, query } = fakePool(() => 1);
    const operators = new DeploymentOperators(pool, { secureCookies: false, operatorOrganizations: [] });
    await expect(Promise.all(Array.from({ length: 50 }, () => operators.includes(ALFA)))).resolves.toEqual(Array(50).fill(true));
    now += 9_000;
    for (let i = 0; i < 50; i++) await operators.includes(ALFA);
    expect(query).toHaveBeenCalledTimes(1);
  });
});
