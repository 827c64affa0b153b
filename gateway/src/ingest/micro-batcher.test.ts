import { MicroBatcher } from './micro-batcher';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('MicroBatcher', () => {
  it('sends a full batch at once and a partial one when its window ends', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher<number>({
      maxSize: 3,
      windowMs: 30,
      maxConcurrent: 1,
      handle: async (b) => void batches.push(b),
    });
    [1, 2, 3, 4].forEach((n) => batcher.add(n));
    expect(batches).toEqual([[1, 2, 3]]);
    await new Promise((r) => setTimeout(r, 60));
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('never handles more batches at once than allowed, and lets the open batch grow while all slots are busy', async () => {
    const gates: ReturnType<typeof deferred>[] = [];
    const sizes: number[] = [];
    let running = 0;
    let peak = 0;
    const batcher = new MicroBatcher<number>({
      maxSize: 100,
      windowMs: 1,
      maxConcurrent: 2,
      handle: async (b) => {
        sizes.push(b.length);
        peak = Math.max(peak, ++running);
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
        running--;
      },
    });
    batcher.add(1);
    await new Promise((r) => setTimeout(r, 10));
    batcher.add(2);
    await new Promise((r) => setTimeout(r, 10));
    // Both slots busy: these wait past their window and go as one batch when a slot frees.
    for (let n = 3; n <= 12; n++) batcher.add(n);
    await new Promise((r) => setTimeout(r, 20));
    expect(sizes).toEqual([1, 1]);
    gates[0]?.resolve();
    await new Promise((r) => setTimeout(r, 5));
    expect(sizes).toEqual([1, 1, 10]);
    gates.forEach((g) => g.resolve());
    await new Promise((r) => setTimeout(r, 5));
    gates.forEach((g) => g.resolve());
    await batcher.drain();
    expect(peak).toBe(2);
  });

  it('drain sends what is gathered and waits for it', async () => {
    const handled: number[] = [];
    const batcher = new MicroBatcher<number>({
      maxSize: 10,
      windowMs: 10_000,
      maxConcurrent: 1,
      handle: async (b) => {
        await new Promise((r) => setTimeout(r, 10));
        handled.push(...b);
      },
    });
    [1, 2].forEach((n) => batcher.add(n));
    await batcher.drain();
    expect(handled).toEqual([1, 2]);
    expect(batcher.pending).toBe(0);
  });
});
