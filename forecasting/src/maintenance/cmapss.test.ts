import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseCmapssUnits, readCmapss } from './cmapss';
import { MaintenanceDataError, MaintenanceErrorCode } from './maintenance-error';
import { mulberry32 } from './seeded-random';

/** A C-MAPSS row: settings jitter at random, sensor 2 drifts with the cycle, the other sensors are constant. */
function row(unit: number, cycle: number): string {
  const jitter = mulberry32(unit * 1000 + cycle);
  const settings = [(jitter() - 0.5) / 1e3, Math.round(jitter() * 6) / 1e4, 100];
  const sensors = Array.from({ length: 21 }, (_, i) => (i === 1 ? 640 + 0.1 * cycle + unit : 500 + i));
  return [unit, cycle, ...settings, ...sensors].join(' ');
}

function unitRows(unit: number, cycles: number): string[] {
  return Array.from({ length: cycles }, (_, i) => row(unit, i + 1));
}

describe('readCmapss', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cmapss-'));
    writeFileSync(join(dir, 'train_FD001.txt'), [...unitRows(1, 40), ...unitRows(2, 35)].join(' \n') + ' \n');
    writeFileSync(join(dir, 'test_FD001.txt'), [...unitRows(1, 12), ...unitRows(2, 20)].join('\n') + '\n');
    writeFileSync(join(dir, 'RUL_FD001.txt'), '17\n4\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads units in order and keeps only the channel that varies with wear', () => {
    const data = readCmapss(dir);
    expect(data.channels).toEqual(['sensor_2']);
    expect(data.train.map((u) => [u.unitId, u.rows.length])).toEqual([
      ['1', 40],
      ['2', 35],
    ]);
    expect(data.test[1]!.rows[0]).toEqual([640 + 0.1 + 2]);
    expect(data.testRul).toEqual([17, 4]);
    const reasons = Object.fromEntries(data.channelStatistics.map((s) => [s.channel, s.reason]));
    expect(reasons).toMatchObject({ setting_1: 'noise', setting_3: 'constant', sensor_1: 'constant' });
  });

  it('rejects a malformed line naming the file and the line', () => {
    const lines = unitRows(1, 10);
    const fields = lines[6]!.split(' ');
    fields[6] = '64O.7';
    lines[6] = fields.join(' ');
    writeFileSync(join(dir, 'train_FD001.txt'), lines.join('\n'));
    expect.assertions(5);
    try {
      readCmapss(dir);
    } catch (error) {
      expect(error).toBeInstanceOf(MaintenanceDataError);
      const dataError = error as MaintenanceDataError;
      expect(dataError.code).toBe(MaintenanceErrorCode.DataMalformed);
      expect(dataError.line).toBe(7);
      expect(dataError.file).toBe(join(dir, 'train_FD001.txt'));
      expect(dataError.message).toBe(`${join(dir, 'train_FD001.txt')}:7: column 7 is "64O.7", not a number`);
    }
  });

  it.each([
    ['a short row', '1 3 0 0 100 518.67', /:3: 6 columns, expected 26/],
    ['a skipped cycle', row(1, 4), /:3: unit 1: cycle 4 where cycle 3 was expected/],
    ['a unit seen again', row(2, 1) + '\n' + row(1, 3), /:4: unit 1 appears again/],
  ])('rejects %s', (_, third, message) => {
    expect(() => parseCmapssUnits([row(1, 1), row(1, 2), third].join('\n'), 'f.txt')).toThrow(message);
  });

  it('rejects an RUL file whose count does not match the test units', () => {
    writeFileSync(join(dir, 'RUL_FD001.txt'), '17\n');
    expect(() => readCmapss(dir)).toThrow(/RUL_FD001.txt: 1 RUL values for 2 test units/);
  });

  it('reports a missing file as unreadable', () => {
    rmSync(join(dir, 'test_FD001.txt'));
    expect(() => readCmapss(dir)).toThrow(
      expect.objectContaining({
        code: MaintenanceErrorCode.DataUnreadable,
        message: `${join(dir, 'test_FD001.txt')}: cannot be read (nor is there a test_FD001.txt.gz)`,
      }),
    );
  });

  it('reads gzipped files where there are no plain ones, and names the .gz in errors', () => {
    const plain = readCmapss(dir);
    for (const name of ['train_FD001.txt', 'test_FD001.txt', 'RUL_FD001.txt']) {
      writeFileSync(join(dir, `${name}.gz`), gzipSync(readFileSync(join(dir, name))));
      rmSync(join(dir, name));
    }
    expect(readCmapss(dir)).toEqual(plain);

    writeFileSync(join(dir, 'RUL_FD001.txt.gz'), gzipSync('17\nsoon\n'));
    expect(() => readCmapss(dir)).toThrow(`${join(dir, 'RUL_FD001.txt.gz')}:2: "soon" is not`);
    writeFileSync(join(dir, 'RUL_FD001.txt.gz'), '17\n4\n');
    expect(() => readCmapss(dir)).toThrow(
      expect.objectContaining({
        code: MaintenanceErrorCode.DataUnreadable,
        file: join(dir, 'RUL_FD001.txt.gz'),
      }),
    );
  });
});

// The repository's own copy of FD001 (gzipped, with its source and checksums in its README), so this runs on any
// fresh clone with nothing beside the repository.
const FD001 = join(__dirname, '../../test-data/cmapss');

describe('readCmapss on the real FD001', () => {
  it('keeps the 14 informative sensors and drops the settings and the 7 flat sensors', () => {
    const data = readCmapss(FD001);
    expect(data.train).toHaveLength(100);
    expect(data.train.reduce((rows, unit) => rows + unit.rows.length, 0)).toBe(20_631);
    expect(data.test).toHaveLength(100);
    expect(data.testRul).toHaveLength(100);
    expect(data.channels).toEqual(
      [2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21].map((s) => `sensor_${s}`),
    );
  });
});
