import { cachePure } from './pure-cache';

describe('cachePure', () => {
  it('calls the function once per key, keeps at most maxEntries, and does not remember a throw', () => {
    const calls: string[] = [];
    const length = cachePure((key: string) => {
      calls.push(key);
      if (key === 'bad') throw new Error('bad key');
      return key.length;
    }, 2);
    expect([length('a'), length('a'), length('bb')]).toEqual([1, 1, 2]);
    expect(calls).toEqual(['a', 'bb']);
    length('ccc'); // evicts 'a', the oldest
    length('a');
    expect(calls).toEqual(['a', 'bb', 'ccc', 'a']);
    expect(() => length('bad')).toThrow('bad key');
    expect(() => length('bad')).toThrow('bad key');
    expect(calls.filter((k) => k === 'bad')).toHaveLength(2);
  });
});
