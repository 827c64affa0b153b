import { compareKeys } from './ledger-state';

describe('compareKeys', () => {
  it('orders keys as LevelDB does, by their UTF-8 bytes', () => {
    const keys = [
      '',
      '\u0000',
      '\u0000reading~shipment\u0000S1\u0000',
      'a',
      'a/',
      'a.b',
      'reading-time/d/0000000000000001/',
      'reading-times/d/',
      'é',
      '\uffff',
      '\u{10ffff}',
      'z\u{1f600}',
      'z\ue000',
    ];
    for (const a of keys) {
      for (const b of keys) {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect([a, b, Math.sign(compareKeys(a, b))]).toEqual([a, b, bytes]);
      }
    }
  });
});
