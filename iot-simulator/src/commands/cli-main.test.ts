import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { decodeSignedReading } from '@provena/wire';
import { freePort } from '../../../test/support/local-ports';
import { runCli } from './cli-main';

const SCENARIOS = join(__dirname, '..', '..', 'scenarios');

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (d: Buffer) => out.push(d.toString()));
  stderr.on('data', (d: Buffer) => err.push(d.toString()));
  const code = await runCli(argv, { stdout, stderr });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('cli', () => {
  it.each(['provision', 'demand'])(
    '%s names a missing or unreadable gateway setting and exits 2',
    async (command) => {
      const scenario = join(SCENARIOS, command === 'demand' ? 'demand-history.json' : 'demo.json');
      const missing = await run(command, scenario, '--api-keys', 'k.json');
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/--gateway/);
      const unreadable = await run(
        command,
        scenario,
        '--gateway',
        'http://127.0.0.1:9',
        '--api-keys',
        '/nonexistent/k.json',
      );
      expect(unreadable.code).toBe(2);
      expect(unreadable.stderr).toMatch(/--api-keys: cannot read \/nonexistent\/k.json/);
    },
  );

  it('says which organisation has no API key before any request, and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'provena-cli-gw-'));
    const keysFile = join(dir, 'keys.json');
    // The demo's first shipment belongs to an organisation with no key here: the client says so before any request.
    await writeFile(keysFile, JSON.stringify({}));
    const result = await run(
      'provision',
      join(SCENARIOS, 'demo.json'),
      '--gateway',
      'http://127.0.0.1:9',
      '--api-keys',
      keysFile,
      '--state',
      dir,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/no operator API key for ProducerMSP/);
    await rm(dir, { recursive: true, force: true });
  });

  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prints usage and exits 2 without a command or with an unknown one', async () => {
    expect(await run()).toMatchObject({ code: 2, stderr: expect.stringContaining('iot-simulator generate') });
    expect(await run('frobnicate')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown command'),
    });
    expect(await run('--help')).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('Modes: tampered'),
    });
  });

  it('validate reports a valid scenario', async () => {
    const result = await run('validate', join(SCENARIOS, 'demo.json'));
    expect(result).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/valid\. 3 devices, 1 shipment, .*140 readings/),
    });
  });

  it('validate lists every problem of a bad scenario with its path, and exits 1', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(
      file,
      JSON.stringify({ name: 'bad', seed: 1.5, start: 'yesterday', duration: '1d', organisations: [] }),
    );
    const result = await run('validate', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('bad.json: 3 problems');
    expect(result.stderr).toMatch(/\$\.seed: must be an integer/);
    expect(result.stderr).toMatch(/\$\.start: must be an ISO 8601 instant/);
    expect(result.stderr).toMatch(/\$\.organisations: must be an array of at least 1 items/);
  });

  it('validate exits 1 with a code when the file cannot be read', async () => {
    const result = await run('validate', join(dir, 'missing.json'));
    expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining('SCENARIO_UNREADABLE') });
  });

  it('generate writes one verified envelope per line and a summary', async () => {
    const out = join(dir, 'out', 'demo.ndjson');
    const result = await run(
      'generate',
      join(SCENARIOS, 'demo.json'),
      '--out',
      out,
      '--state',
      join(dir, 'state'),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/readings 140: compressor-monitor 20, pallet-tracker 60, reefer-logger 60/);
    expect(result.stdout).toMatch(/1 excursion/);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(140);
    expect(decodeSignedReading(lines[0]!).reading.deviceId).toMatch(/demo/);
  });

  it('generate --json prints a machine-readable summary with the equipment ground truth', async () => {
    const result = await run(
      'generate',
      join(SCENARIOS, 'cold-chain-week.json'),
      '--out',
      join(dir, 'week.ndjson'),
      '--state',
      join(dir, 'state'),
      '--json',
    );
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      equipmentEvents: { kind: string }[];
      custody: { rejected: number };
    };
    expect(summary.equipmentEvents.some((e) => e.kind === 'failure')).toBe(true);
    expect(summary.custody.rejected).toBe(1);
  });

  it('rejects bad options with exit 2', async () => {
    expect(await run('publish', join(SCENARIOS, 'demo.json'))).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--broker is required'),
    });
    expect(await run('hostile', 'teleport', '--broker', 'mqtt://127.0.0.1:1')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('unknown hostile mode'),
    });
    expect(await run('generate', join(SCENARIOS, 'demo.json'), '--bogus')).toMatchObject({ code: 2 });
    expect(
      await run('publish', join(SCENARIOS, 'demo.json'), '--broker', 'mqtt://127.0.0.1:1', '--rate', 'fast'),
    ).toMatchObject({ code: 2, stderr: expect.stringContaining('--rate must be a positive number') });
  });

  it('publish fails fast with exit 1 when the broker cannot be reached', async () => {
    const port = await freePort();
    const result = await run(
      'publish',
      join(SCENARIOS, 'demo.json'),
      '--broker',
      `mqtt://127.0.0.1:${port}`,
      '--state',
      join(dir, 'state'),
      '--connect-timeout',
      '500ms',
    );
    expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach the broker') });
  });

  describe('load', () => {
    const options: Record<string, string> = {
      broker: 'mqtt://127.0.0.1:1',
      devices: '10',
      rate: '100/s',
      duration: '2s',
    };
    const load = (changes: Record<string, string | undefined>, ...extra: string[]) => {
      const merged = { ...options, ...changes };
      const args = Object.entries(merged).flatMap(([k, v]) => (v === undefined ? [] : [`--${k}`, v]));
      return run('load', ...args, ...extra);
    };

    it('says which option is missing or wrong, with an example, and exits 2', async () => {
      const cases: [Record<string, string | undefined>, string][] = [
        [{ devices: undefined }, '--devices is required, e.g. --devices 100'],
        [{ rate: undefined }, '--rate is required, e.g. --rate 1000/s'],
        [{ duration: undefined }, '--duration is required, e.g. --duration 10s'],
        [{ broker: undefined }, '--broker is required, e.g. --broker mqtt://127.0.0.1:1883'],
        [{ broker: '127.0.0.1:1883' }, '--broker must be a URL like mqtt://host:1883'],
        [{ rate: 'fast' }, '--rate must be a positive number, got "fast"'],
        [{ rate: '0/s' }, '--rate must be a positive number, got "0"'],
        [{ devices: '2.5' }, '--devices must be a whole number, got "2.5"'],
        [{ devices: '0' }, '--devices must be a positive number, got "0"'],
        [{ duration: '10' }, '--duration must be a duration such as 30s or 2m, got "10"'],
        [{ duration: '0s' }, '--duration must be a duration such as 30s or 2m, got "0s"'],
        [{ clients: '20' }, '--clients (20) cannot exceed --devices (10)'],
        [{ 'device-prefix': 'bad/' }, '--device-prefix: device prefix "bad/" does not make valid device ids'],
        [{ 'notice-wait': 'soon' }, '--notice-wait must be a duration such as 30s or 2m, got "soon"'],
      ];
      for (const [changes, message] of cases) {
        const result = await load(changes);
        expect({ changes, code: result.code, stderr: result.stderr }).toEqual({
          changes,
          code: 2,
          stderr: expect.stringContaining(`load: ${message}`),
        });
      }
      expect(await load({}, 'extra')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('load takes no positional arguments, got "extra"'),
      });
      expect(await load({}, '--bogus')).toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--bogus'),
      });
    });

    it('fails fast with exit 1 when the broker cannot be reached', async () => {
      const port = await freePort();
      const result = await load({
        broker: `mqtt://127.0.0.1:${port}`,
        state: join(dir, 'load-state'),
        'connect-timeout': '500ms',
      });
      expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach the broker') });
    });
  });
});
