import { parseIdList, parseIntegerArgument, requireObject, requireText } from './input';

describe('argument checks', () => {
  it.each(['0', '1', '42', '9007199254740991'])('accepts the integer argument %j', (text) => {
    expect(parseIntegerArgument(text, 'n', 0, Number.MAX_SAFE_INTEGER)).toBe(Number(text));
  });

  it.each(['', 'NaN', 'Infinity', '-1', '+1', '1e3', '0x10', '01', ' 1', '1.0', '9007199254740992'])(
    'refuses the integer argument %j',
    (text) => {
      expect(() => parseIntegerArgument(text, 'n', 0, Number.MAX_SAFE_INTEGER)).toThrow(
        /^INVALID_ARGUMENT: n /,
      );
    },
  );

  it('refuses control characters, including U+0000, and over-long text', () => {
    expect(() => requireText('a\u0000b', 'note')).toThrow(/control characters/);
    expect(() => requireText('a\u009bb', 'note')).toThrow(/control characters/);
    expect(() => requireText('x'.repeat(513), 'note')).toThrow(/at most 512/);
    expect(requireText('Lyon – quai 4 ❄', 'note')).toBe('Lyon – quai 4 ❄');
  });

  it('refuses unknown and missing fields by name', () => {
    expect(() => requireObject({ a: 1, b: 2 }, 'x', ['a'])).toThrow(
      /^INVALID_ARGUMENT: x.b is not a known field$/,
    );
    expect(() => requireObject({}, 'x', ['a'])).toThrow(/^INVALID_ARGUMENT: x.a is required$/);
  });

  it('parses id lists in order and refuses repeats', () => {
    expect(parseIdList('["b","a"]', 'ids', 3)).toEqual(['b', 'a']);
    expect(() => parseIdList('["a","b","c","d"]', 'ids', 3)).toThrow(/1 to 3 ids/);
  });
});
