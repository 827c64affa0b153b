import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reading } from './reading';

/** One checked-in test case: a payload as a device would publish it and the verdict every checker must reach. */
export interface ReadingVector {
  name: string;
  /** Which key in {@link ReadingVectorFile.keys} is registered for the device. */
  key: string;
  payload: string;
  expect: { ok: true } | { ok: false; code: string; field?: string };
}

export interface ReadingVectorFile {
  description: string;
  keys: Record<string, { privateKeyPem: string; publicKeyPem: string }>;
  canonical: { reading: Reading; canonicalJson: string };
  vectors: ReadingVector[];
}

/** Loads the shared test vectors (test keys only: never use them for a real device). */
export function loadReadingVectors(): ReadingVectorFile {
  return JSON.parse(
    readFileSync(join(__dirname, '..', 'vectors', 'reading-vectors.json'), 'utf8'),
  ) as ReadingVectorFile;
}
