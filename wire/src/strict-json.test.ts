import { parseStrictJson, WireError } from './index';

function codeOf(text: string): string | undefined {
  try {
    parseStrictJson(text);
    return undefined;
  } catch (err) {
    return (err as WireError).code;
  }
}

describe('strict JSON parsing', () => {
  it('parses what JSON.parse parses, for ordinary documents', () => {
    const doc = '{"a":[1,-2.5e3,true,false,null,"x\\u00e9\\n\\ud83d\\ude00"],"b":{"c":{}}}';
    expect(JSON.stringify(parseStrictJson(doc))).toBe(JSON.stringify(JSON.parse(doc)));
  });

  it('treats __proto__ as a plain key instead of a prototype', () => {
    const value = parseStrictJson('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['{"a":1,"a":2}', 'DUPLICATE_KEY'],
    ['{"a":NaN}', 'MALFORMED_JSON'],
    ['[1e999]', 'MALFORMED_JSON'],
    ['[01]', 'MALFORMED_JSON'],
    ['"\\ud800"', 'MALFORMED_JSON'],
    ['"\\udc00x"', 'MALFORMED_JSON'],
    ['"tab\there"', 'MALFORMED_JSON'],
    ['{"a":1} x', 'MALFORMED_JSON'],
    ['{"a":1,}', 'MALFORMED_JSON'],
    ['', 'MALFORMED_JSON'],
    ['[[[[[[[[[1]]]]]]]]]', 'TOO_LARGE'],
  ])('refuses %j with %s', (text, code) => {
    expect(codeOf(text)).toBe(code);
  });
});
