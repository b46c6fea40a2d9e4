import { StatementBatcher } from './statement-batcher';

describe('StatementBatcher', () => {
  it('runs the lookups asked in one turn of the event loop as one batch, giving each caller its own row or undefined', async () => {
    const runs: string[][] = [];
    const batcher = new StatementBatcher<string, { value: string }>(async (items) => {
      runs.push(items);
      // As `unnest(...) WITH ORDINALITY` returns them: numbered from 1, unordered, the misses absent.
      return items.flatMap((item, i) => (item.startsWith('x') ? [] : [{ n: String(i + 1), value: item.toUpperCase() }])).reverse();
    });
    const first = await Promise.all(['a', 'xb', 'c'].map((k) => batcher.ask(k)));
    expect(first).toEqual([{ value: 'A' }, undefined, { value: 'C' }]);
    expect(await batcher.ask('d')).toEqual({ value: 'D' });
    expect(runs).toEqual([['a', 'xb', 'c'], ['d']]);
  });

  it("gives a failed statement's error to every caller of its batch, and runs the next batch afresh", async () => {
    let fail = true;
    const batcher = new StatementBatcher<number, { n2: number }>(async (items) => {
      if (fail) throw new Error('connection terminated');
      return items.map((item, i) => ({ n: i + 1, n2: item * 2 }));
    });
    const failed = [batcher.ask(1), batcher.ask(2)];
    for (const f of failed) await expect(f).rejects.toThrow('connection terminated');
    fail = false;
    expect(await batcher.ask(3)).toEqual({ n2: 6 });
  });
});
