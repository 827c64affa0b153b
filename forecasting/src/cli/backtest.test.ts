import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addSteps } from '../series/time-series';
import { MONTHLY_FACTORS, WEEKLY_OFFSETS, syntheticSeries } from '../testing/synthetic-series';
import { runBacktestCli } from './backtest';

function run(...argv: string[]): { status: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const status = runBacktestCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, out, err };
}

function rows(id: string, start: string, step: 'day' | 'month', values: readonly number[]): string[] {
  return values.map((v, t) => `${id},${addSteps(start, step, t)},${v.toFixed(2)}`);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'provena-backtest-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${['series_id,timestamp,value', ...lines].join('\n')}\n`);
  return path;
}

describe('runBacktestCli', () => {
  it('prints the usage for --help and for no arguments', () => {
    for (const argv of [['--help'], [], ['demand', 'x.csv', '-h']]) {
      const { status, out, err } = run(...argv);
      expect(status).toBe(0);
      expect(out[0]).toBe('Usage:');
      expect(out.join('\n')).toContain('provena-backtest cmapss <dir> [--subset FD001]');
      expect(err).toEqual([]);
    }
  });

  it.each([
    [['demand', 'x.csv', '--bogus'], 'unknown option --bogus for demand'],
    [['demand', 'x.csv', '-x'], 'unknown option -x'],
    [['forecast', 'x.csv'], 'unknown command "forecast"'],
    [['demand'], 'demand needs a CSV file'],
    [['demand', 'a.csv', 'b.csv'], 'demand takes one CSV file, got 2'],
    [['demand', 'x.csv', '--horizon'], '--horizon needs a value'],
    [['demand', 'x.csv', '--horizon', '0'], '--horizon must be a positive integer, got "0"'],
    [['demand', 'x.csv', '--origins=two'], '--origins must be a positive integer, got "two"'],
    [['demand', 'x.csv', '--fill-missing', 'mean'], '--fill-missing takes only "zero"'],
    [['demand', 'x.csv', '--no-neural=yes'], '--no-neural takes no value'],
    [['demand', 'x.csv', '--spacing', '2', '--spacing', '3'], '--spacing given twice'],
    [['cmapss', 'dir', '--horizon', '3'], 'unknown option --horizon for cmapss'],
    [['cmapss', 'dir', '--train', 'train_FD001.txt'], 'unknown option --train for cmapss'],
    [['cmapss', 'dir', '--subset', 'fd1'], '--subset must look like FD001'],
  ])('refuses %j with one line on stderr and exit status 2', (argv, message) => {
    const { status, out, err } = run(...argv);
    expect(status).toBe(2);
    expect(out).toEqual([]);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(message);
    expect(err[0]).toMatch(/^provena-backtest: .*\(provena-backtest --help for usage\)$/);
  });

  it('refuses a missing file with exit status 2, naming it', () => {
    const missing = join(dir, 'nope.csv');
    const { status, err } = run('demand', missing);
    expect(status).toBe(2);
    expect(err).toEqual([`provena-backtest: BAD_SERIES: cannot read ${missing} (ENOENT)`]);
  });

  it('refuses a file with a gap unless --fill-missing zero is given', () => {
    const values = syntheticSeries({ length: 60, level: 40, additive: WEEKLY_OFFSETS, noise: 2, seed: 1 });
    const lines = rows('gappy', '2024-01-01', 'day', values).filter((_, t) => t !== 30);
    const path = file('gappy.csv', lines);
    const refused = run('demand', path, '--no-neural');
    expect(refused.status).toBe(2);
    expect(refused.err).toHaveLength(1);
    expect(refused.err[0]).toContain(
      `BAD_SERIES: ${path} line 32, timestamp: daily series "gappy" has no value for 2024-01-31`,
    );
    const filled = run('demand', path, '--no-neural', '--fill-missing', 'zero', '--origins', '1');
    expect(filled.status).toBe(0);
  });

  it('backtests a small CSV end to end: a table per series and the panel summary', () => {
    const daily = syntheticSeries({ length: 56, level: 40, additive: WEEKLY_OFFSETS, noise: 2, seed: 2 });
    const monthly = syntheticSeries({
      length: 48,
      level: 200,
      slope: 1,
      multiplicative: MONTHLY_FACTORS,
      noise: 3,
    });
    const path = file('panel.csv', [
      ...rows('store-1/orders', '2024-01-01', 'day', daily),
      ...rows('region-north', '2020-01-01', 'month', monthly),
    ]);
    const { status, out, err } = run('demand', path, '--no-neural', '--origins', '2');
    expect(err).toEqual([]);
    expect(status).toBe(0);
    const text = out.join('\n');
    expect(text).toContain('### store-1/orders\n\ndaily, 56 values, horizon 14, 2 test origins');
    expect(text).toContain('### region-north\n\nmonthly, 48 values, horizon 12, 1 test origins');
    for (const method of ['seasonal-naive', 'naive2', 'theta', 'ets', 'comb', 'provena']) {
      expect(text).toMatch(new RegExp(`^\\| ${method} \\| \\d+\\.\\d{3} \\| \\d+\\.\\d{2} \\|$`, 'm'));
    }
    expect(text).toContain(`## Panel summary: ${path}`);
    expect(text).toMatch(/Provena \/ seasonal naive \(mean MASE\): \d+\.\d{3}/);
    expect(text).toMatch(/Provena \/ Theta \(mean MASE\): \d+\.\d{3}/);
    expect(text).toMatch(/worst series: (store-1\/orders|region-north) at \d+\.\d{3} × seasonal naive/);
    expect(text).toMatch(/Provena \/ Comb \(mean MASE\): \d+\.\d{3}/);
    expect(text).toMatch(
      /80 % interval coverage: (\d+\.\d) % \(95 % bootstrap interval over series and test origins (\d+\.\d)–(\d+\.\d) %\)/,
    );
    const [, measured, low, high] = /interval coverage: (\S+) % \(.* (\S+)–(\S+) %\)/.exec(text)!.map(Number);
    expect(low).toBeLessThanOrEqual(measured!);
    expect(high).toBeGreaterThanOrEqual(measured!);
    expect(text).toMatch(/80 % interval: \d+ of 28 test values inside/);
    expect(text).toContain('published values non-finite or outside the plausible range: 0');
    expect(text).toMatch(/CPU per forecast: mean \d+\.\d{2} s, max \d+\.\d{2} s/);
    expect(text).toContain("Provena's network left out");
    expect(text).not.toContain('neural-lag');
  });

  it('makes the neural network a member unless --no-neural is given', () => {
    const values = syntheticSeries({ length: 42, level: 40, additive: WEEKLY_OFFSETS, noise: 2, seed: 3 });
    const path = file('neural.csv', rows('s', '2024-01-01', 'day', values));
    const { status, out } = run('demand', path, '--origins', '1');
    expect(status).toBe(0);
    expect(out.join('\n')).toContain("Provena's network included");
  });

  it('skips a series too short to backtest, and refuses a file with nothing to backtest', () => {
    const long = syntheticSeries({ length: 42, level: 40, additive: WEEKLY_OFFSETS, seed: 4 });
    const path = file('mixed.csv', [
      ...rows('long', '2024-01-01', 'day', long),
      ...rows('short', '2024-01-01', 'day', [1, 2, 3]),
    ]);
    const mixed = run('demand', path, '--no-neural', '--origins', '1');
    expect(mixed.status).toBe(0);
    expect(mixed.out).toContain('skipped: 3 values, a 14-step backtest needs at least 42');

    const onlyShort = run(
      'demand',
      file('short.csv', rows('short', '2024-01-01', 'day', [1, 2, 3])),
      '--no-neural',
    );
    expect(onlyShort.status).toBe(2);
    expect(onlyShort.err).toEqual([
      expect.stringMatching(/SERIES_TOO_SHORT: no series in .* is long enough to backtest$/),
    ]);
  });

  it('refuses a C-MAPSS directory without the data set files, naming the file it looked for', () => {
    const { status, err } = run('cmapss', dir, '--subset', 'FD002');
    expect(status).toBe(2);
    expect(err).toEqual([
      `provena-backtest: ${join(dir, 'train_FD002.txt')}: cannot be read (nor is there a train_FD002.txt.gz)`,
    ]);
  });
});
