import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { SimulatorError, SimulatorErrorCode } from '../errors';
import { formatDuration, parseDuration } from '../scenario/time-units';

/** Where a command writes: the process streams in the CLI, buffers in tests. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
}

/** Process exit codes: 0 done, 1 the work failed (invalid scenario, readings lost), 2 the command line is wrong. */
export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;

export function usageError(message: string): SimulatorError {
  return new SimulatorError(SimulatorErrorCode.BadArgument, message);
}

export function writeLine(stream: Writable, line: string): void {
  stream.write(`${line}\n`);
}

/** Writes and waits when the stream asks us to, so a large NDJSON file never piles up in memory. */
export async function writeChunk(stream: Writable, chunk: string): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

export function positiveNumber(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw usageError(`--${name} must be a positive number, got "${text}"`);
  return value;
}

export function positiveInteger(name: string, text: string | undefined, fallback: number): number {
  const value = positiveNumber(name, text, fallback);
  if (!Number.isSafeInteger(value)) throw usageError(`--${name} must be a whole number, got "${text}"`);
  return value;
}

/** A duration option in ms (`30s`, `2m`, `1m30s`); positive unless `allowZero`. */
export function durationOption(
  name: string,
  text: string | undefined,
  fallbackMs: number,
  { allowZero = false } = {},
): number {
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 0 || (ms === 0 && !allowZero))
    throw usageError(`--${name} must be a duration such as 30s or 2m, got "${text}"`);
  return ms;
}

/** `--rate 500` or `--rate 500/s`. */
export function rateOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  return positiveNumber('rate', text.replace(/\/s$/, ''), 0);
}

/** The option's text; a usage error with an example when it is missing. */
export function requireOption(name: string, text: string | undefined, example: string): string {
  if (text === undefined) throw usageError(`--${name} is required, e.g. --${name} ${example}`);
  return text;
}

export function requireBroker(text: string | undefined): string {
  const url = requireOption('broker', text, 'mqtt://127.0.0.1:1883');
  if (!/^(mqtts?|wss?|tcp|ssl):\/\/[^/]+/.test(url))
    throw usageError(`--broker must be a URL like mqtt://host:1883, got "${url}"`);
  return url;
}

/** `[    3s]`: the start of a progress line, elapsed time right-aligned so the lines stay in columns. */
export function elapsedStamp(ms: number): string {
  return `[${formatDuration(ms).padStart(6)}]`;
}

/** `12,345`: counts in progress lines and summaries. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en');
}

export const STATE_HELP = 'folder for device keys and sequence numbers (default .provena/iot-simulator)';
export const DEFAULT_STATE_DIR = '.provena/iot-simulator';
