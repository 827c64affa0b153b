import { newOfflineBuffer } from './offline-buffer';

describe('offline buffer', () => {
  it('keeps items oldest first up to its capacity', () => {
    const buffer = newOfflineBuffer<number>({ capacity: 3 });
    [1, 2, 3].forEach((n) => expect(buffer.push(n)).toBeUndefined());
    expect([buffer.shift(), buffer.shift(), buffer.size]).toEqual([1, 2, 1]);
  });

  it('drops the oldest item when full and counts every drop', () => {
    const buffer = newOfflineBuffer<number>({ capacity: 3 });
    const evicted = [1, 2, 3, 4, 5].map((n) => buffer.push(n));
    expect(evicted).toEqual([undefined, undefined, undefined, 1, 2]);
    expect(buffer.dropped).toBe(2);
    expect([buffer.shift(), buffer.shift(), buffer.shift(), buffer.shift()]).toEqual([3, 4, 5, undefined]);
  });

  it('puts a returned item back in front, dropping it if the buffer filled meanwhile', () => {
    const buffer = newOfflineBuffer<number>({ capacity: 2 });
    buffer.push(1);
    buffer.push(2);
    const taken = buffer.shift()!;
    expect(buffer.unshift(taken)).toBeUndefined();
    expect(buffer.shift()).toBe(1);
    buffer.push(3);
    expect(buffer.unshift(1)).toBe(1);
    expect(buffer.dropped).toBe(1);
    expect([buffer.shift(), buffer.shift()]).toEqual([2, 3]);
  });

  it('wraps around its ring many times without losing order', () => {
    const buffer = newOfflineBuffer<number>({ capacity: 5 });
    const out: number[] = [];
    for (let i = 0; i < 1000; i++) {
      buffer.push(i);
      if (i % 3 !== 0) out.push(buffer.shift()!);
    }
    while (buffer.size > 0) out.push(buffer.shift()!);
    expect(out.length + buffer.dropped).toBe(1000);
    expect([...out].sort((a, b) => a - b)).toEqual(out);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => newOfflineBuffer({ capacity: 0 })).toThrow(
      expect.objectContaining({ code: 'BAD_ARGUMENT' }),
    );
  });
});
