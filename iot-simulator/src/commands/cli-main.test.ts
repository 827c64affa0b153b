import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { decodeSignedReading } from '@provena/wire';
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

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('cli', () => {
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
    const port = await closedPort();
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
});
