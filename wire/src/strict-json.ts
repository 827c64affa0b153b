import { Limits } from './limits';
import { RefusalCode, WireError } from './errors';

/** A JSON value as produced by {@link parseStrictJson}: objects have no prototype, so `__proto__` is just a key. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface StrictJsonOptions {
  maxDepth?: number;
  maxStringLength?: number;
}

/**
 * Parses JSON (RFC 8259) more strictly than `JSON.parse`, because what one party parses another must parse the
 * same way (I-JSON, RFC 7493, which RFC 8785 canonicalisation assumes):
 * duplicate keys, numbers that overflow to Infinity, unpaired surrogates, raw control characters and excessive
 * nesting are refused with a {@link WireError} instead of being silently resolved.
 *
 * @throws {@link WireError} with code MALFORMED_JSON, DUPLICATE_KEY or TOO_LARGE.
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): JsonValue {
  const parser = new StrictJsonParser(
    text,
    options.maxDepth ?? Limits.maxJsonDepth,
    options.maxStringLength ?? Limits.maxEnvelopeBytes,
  );
  return parser.parseDocument();
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class StrictJsonParser {
  #pos = 0;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
    private readonly maxStringLength: number,
  ) {}

  parseDocument(): JsonValue {
    this.#skipWhitespace();
    const value = this.#parseValue(0);
    this.#skipWhitespace();
    if (this.#pos !== this.text.length) this.#fail('unexpected data after the JSON value');
    return value;
  }

  #parseValue(depth: number): JsonValue {
    const ch = this.text[this.#pos];
    switch (ch) {
      case '{':
        return this.#parseObject(depth + 1);
      case '[':
        return this.#parseArray(depth + 1);
      case '"':
        return this.#parseString();
      case 't':
        return this.#literal('true', true);
      case 'f':
        return this.#literal('false', false);
      case 'n':
        return this.#literal('null', null);
      default:
        if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.#parseNumber();
        return this.#fail(
          ch === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(ch)}`,
        );
    }
  }

  #parseObject(depth: number): JsonValue {
    this.#checkDepth(depth);
    this.#pos++;
    const result = Object.create(null) as { [key: string]: JsonValue };
    const seen = new Set<string>();
    this.#skipWhitespace();
    if (this.#eat('}')) return result;
    for (;;) {
      this.#skipWhitespace();
      if (this.text[this.#pos] !== '"') this.#fail('expected a string key');
      const key = this.#parseString();
      if (seen.has(key)) {
        throw new WireError(
          RefusalCode.DuplicateKey,
          `key ${JSON.stringify(key)} appears twice in one object`,
        );
      }
      seen.add(key);
      this.#skipWhitespace();
      if (!this.#eat(':')) this.#fail('expected ":"');
      this.#skipWhitespace();
      result[key] = this.#parseValue(depth);
      this.#skipWhitespace();
      if (this.#eat('}')) return result;
      if (!this.#eat(',')) this.#fail('expected "," or "}"');
    }
  }

  #parseArray(depth: number): JsonValue {
    this.#checkDepth(depth);
    this.#pos++;
    const result: JsonValue[] = [];
    this.#skipWhitespace();
    if (this.#eat(']')) return result;
    for (;;) {
      this.#skipWhitespace();
      result.push(this.#parseValue(depth));
      this.#skipWhitespace();
      if (this.#eat(']')) return result;
      if (!this.#eat(',')) this.#fail('expected "," or "]"');
    }
  }

  #parseString(): string {
    const start = ++this.#pos;
    let out = '';
    let chunkStart = start;
    for (;;) {
      const code = this.text.charCodeAt(this.#pos);
      if (Number.isNaN(code)) this.#fail('unterminated string');
      if (code === 0x22) break;
      if (code < 0x20) this.#fail('raw control character in string');
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = this.text.charCodeAt(this.#pos + 1);
        if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) this.#fail('unpaired surrogate in string');
        this.#pos += 2;
        continue;
      }
      if (code === 0x5c) {
        out += this.text.slice(chunkStart, this.#pos);
        out += this.#parseEscape();
        chunkStart = this.#pos;
        continue;
      }
      this.#pos++;
    }
    out += this.text.slice(chunkStart, this.#pos);
    this.#pos++;
    if (out.length > this.maxStringLength) {
      throw new WireError(RefusalCode.TooLarge, `string longer than ${this.maxStringLength} characters`);
    }
    return out;
  }

  #parseEscape(): string {
    const esc = this.text[this.#pos + 1];
    this.#pos += 2;
    switch (esc) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const unit = this.#hex4();
        if (unit >= 0xdc00 && unit <= 0xdfff) this.#fail('unpaired surrogate escape');
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (this.text.slice(this.#pos, this.#pos + 2) !== '\\u') this.#fail('unpaired surrogate escape');
          this.#pos += 2;
          const low = this.#hex4();
          if (!(low >= 0xdc00 && low <= 0xdfff)) this.#fail('unpaired surrogate escape');
          return String.fromCharCode(unit, low);
        }
        return String.fromCharCode(unit);
      }
      default:
        return this.#fail('invalid escape in string');
    }
  }

  #hex4(): number {
    const hex = this.text.slice(this.#pos, this.#pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.#fail('invalid \\u escape');
    this.#pos += 4;
    return parseInt(hex, 16);
  }

  #parseNumber(): number {
    NUMBER.lastIndex = this.#pos;
    const match = NUMBER.exec(this.text);
    if (!match) return this.#fail('invalid number');
    this.#pos += match[0].length;
    const value = Number(match[0]);
    if (!Number.isFinite(value)) this.#fail(`number ${match[0].slice(0, 20)} is out of range`);
    return value;
  }

  #literal<T extends JsonValue>(word: string, value: T): T {
    if (this.text.startsWith(word, this.#pos)) {
      this.#pos += word.length;
      return value;
    }
    return this.#fail('invalid literal');
  }

  #checkDepth(depth: number): void {
    if (depth > this.maxDepth) {
      throw new WireError(RefusalCode.TooLarge, `nesting deeper than ${this.maxDepth} levels`);
    }
  }

  #eat(ch: string): boolean {
    if (this.text[this.#pos] === ch) {
      this.#pos++;
      return true;
    }
    return false;
  }

  #skipWhitespace(): void {
    for (;;) {
      const ch = this.text[this.#pos];
      if (ch === ' ' || ch === '\n' || ch === '\r' || ch === '\t') this.#pos++;
      else return;
    }
  }

  #fail(reason: string): never {
    throw new WireError(RefusalCode.MalformedJson, `${reason} at offset ${this.#pos}`);
  }
}
