/**
 * What one reading costs at the edge, on one core: the machine anchor (a bare P-256 verification with node:crypto)
 * and each step the gateway and every endorsing peer run on a reading. Prints a table and writes
 * reports/bench-wire.{json,md}. A report, not a test: the figures depend on the machine.
 *
 *   node wire/dist/tools/wire-bench.js [--seconds-per-case 1] [--rounds 5]
 */
import { createSign, createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  canonicalReadingBytes,
  decodeSignedReading,
  encodeSignedReading,
  openSignedReading,
  sealReading,
  verifyReadingSignature,
  type Reading,
} from '../index';
import { timeOps } from './micro-bench';

interface CaseResult {
  name: string;
  what: string;
  /** Median over rounds. */
  microsPerOp: number;
  opsPerSecond: number;
  rounds: number[];
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} needs a positive number`);
  return value;
}

function measure(name: string, what: string, op: () => unknown, seconds: number, rounds: number): CaseResult {
  const timing = timeOps(op, seconds, rounds);
  return {
    name,
    what,
    microsPerOp: timing.microsPerOp,
    opsPerSecond: 1e6 / timing.microsPerOp,
    rounds: timing.rounds.map((m) => Math.round(m * 100) / 100),
  };
}

function sampleReading(seq: number): Reading {
  return {
    v: 1,
    deviceId: 'reefer-logger-0042',
    seq,
    measuredAt: 1_795_000_000_000 + seq * 60_000,
    shipmentId: 'SHP-2026-000123',
    measurements: {
      temperatureC: 4.37,
      humidityPct: 71.2,
      shockG: 0.31,
      vibrationMmS: 1.8,
      batteryPct: 87.5,
      location: { lat: 51.92251, lon: 4.47917 },
    },
  };
}

function main(): void {
  const seconds = option('--seconds-per-case', 1);
  const rounds = option('--rounds', 5);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' }) as {
    privateKey: KeyObject;
    publicKey: KeyObject;
  };
  const reading = sampleReading(1);
  const signed = sealReading(reading, privateKey);
  const payload = encodeSignedReading(signed);
  const digestInput = canonicalReadingBytes(reading);
  const rawSignature = createSign('sha256')
    .update(digestInput)
    .sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });

  let seq = 1;
  const results = [
    measure(
      'anchor: P-256 verify',
      'bare node:crypto ECDSA P-256/SHA-256 verification of ~230 bytes (the machine anchor)',
      () =>
        createVerify('sha256')
          .update(digestInput)
          .verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, rawSignature),
      seconds,
      rounds,
    ),
    measure(
      'canonical bytes',
      'RFC 8785 canonical JSON of one reading',
      () => canonicalReadingBytes(reading),
      seconds,
      rounds,
    ),
    measure(
      'decode + schema',
      'size check, strict UTF-8 and JSON, schema of one envelope',
      () => decodeSignedReading(payload),
      seconds,
      rounds,
    ),
    measure(
      'verify reading',
      'canonical bytes + low-S check + P-256 verification',
      () => verifyReadingSignature(signed.reading, signed.signature, publicKey),
      seconds,
      rounds,
    ),
    measure(
      'full edge check',
      'decode + schema + signature: what the gateway and each endorser spend per reading',
      () => openSignedReading(payload, publicKey),
      seconds,
      rounds,
    ),
    measure(
      'device: seal reading',
      'canonical bytes + P-256 signature, low-S normalised (the device side)',
      () => sealReading(sampleReading(seq++), privateKey),
      seconds,
      rounds,
    ),
  ];

  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.microsPerOp.toFixed(1)} | ${Math.round(r.opsPerSecond).toLocaleString('en-US')} | ${r.what} |`,
  );
  const edge = results.find((r) => r.name === 'full edge check')!;
  const anchor = results[0]!;
  const markdown = [
    `# Wire-format costs, one core`,
    ``,
    `${machine}; median of ${rounds} rounds of ${seconds} s per case; envelope ${payload.byteLength} bytes.`,
    ``,
    `| case | µs/op | ops/s | what |`,
    `|---|---:|---:|---|`,
    ...rows,
    ``,
    `Full edge check / bare verification: ${(edge.microsPerOp / anchor.microsPerOp).toFixed(2)}×.`,
    ``,
  ].join('\n');
  process.stdout.write(markdown);
  const dir = join(process.cwd(), 'reports');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'bench-wire.json'),
    JSON.stringify({ machine, seconds, rounds, envelopeBytes: payload.byteLength, results }, null, 2) + '\n',
  );
  writeFileSync(join(dir, 'bench-wire.md'), markdown);
  process.stdout.write(`\nwritten: reports/bench-wire.json, reports/bench-wire.md\n`);
}

main();
