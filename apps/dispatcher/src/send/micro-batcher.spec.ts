import { MicroBatcher } from './micro-batcher';

/** A run whose batches the test finishes by hand, recording what each got. */
function controlledRun() {
  const batches: { items: number[]; finish: (err?: Error) => void }[] = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({ items, finish: (err) => (err ? reject(err) : resolve(items.map((i) => `r${i}`))) });
    });
  return { batches, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('MicroBatcher', () => {
  it('sends the requests of one turn together, and gathers the ones that arrive while it runs', async () => {
    const { batches, run } = controlledRun();
    const batcher = new MicroBatcher(run, { maxSize: 100, maxRunning: 1 });
    const first = [batcher.add(1), batcher.add(2)];
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1, 2]]);
    const later = [batcher.add(3), batcher.add(4)];
    await tick();
    const last = batcher.add(5);
    await tick();
    // One batch at a time: 3, 4 and 5 wait for the first to end.
    expect(batches).toHaveLength(1);
    batches[0].finish();
    expect(await Promise.all(first)).toEqual(['r1', 'r2']);
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4, 5]]);
    batches[1].finish();
    expect(await Promise.all([...later, last])).toEqual(['r3', 'r4', 'r5']);
  });

  it('runs up to maxRunning batches at once, each of at most maxSize', async () => {
    const { batches, run } = controlledRun();
    const batcher = new MicroBatcher(run, { maxSize: 2, maxRunning: 2 });
    const all = [1, 2, 3, 4, 5].map((i) => batcher.add(i));
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4]]);
    batches[1].finish();
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4], [5]]);
    batches[0].finish();
    batches[2].finish();
    expect(await Promise.all(all)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('rejects every request of a failed batch, and still runs the next', async () => {
    const { batches, run } = controlledRun();
    const batcher = new MicroBatcher(run, { maxSize: 100, maxRunning: 1 });
    const failing = [batcher.add(1), batcher.add(2)];
    await tick();
    const next = batcher.add(3);
    batches[0].finish(new Error('connection lost'));
    await expect(failing[0]).rejects.toThrow('connection lost');
    await expect(failing[1]).rejects.toThrow('connection lost');
    await tick();
    batches[1].finish();
    await expect(next).resolves.toBe('r3');
  });

  it('rejects a batch whose run returned a result count that does not match', async () => {
    const batcher = new MicroBatcher(async (items: number[]) => items.slice(1), { maxSize: 100, maxRunning: 1 });
    const results = [batcher.add(1), batcher.add(2)];
    await expect(results[0]).rejects.toThrow('a batch of 2 got 1 results');
    await expect(results[1]).rejects.toThrow('a batch of 2 got 1 results');
  });
});
