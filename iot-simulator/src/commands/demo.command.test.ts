import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { freePort } from '../../../test/support/local-ports';
import type { CommitProgress } from '../gateway/commit-tracker';
import type { PublishUntilCommittedResult } from '../gateway/publish-until-committed';
import { runCli } from './cli-main';
import { formatDemoProgress, formatDemoReadingsResult } from './demo.command';

const DEMO = join(__dirname, '..', '..', 'scenarios', 'demo.json');

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

const progress: CommitProgress = {
  total: 140,
  onLedgerBefore: 0,
  toPublish: 140,
  published: 140,
  acknowledged: 132,
  committed: 120,
  foundByLookup: 0,
  duplicatesReported: 0,
  refused: 2,
  outstanding: 18,
  transactions: 6,
  blocks: { first: '7', last: '12' },
};

describe('demo output', () => {
  it('shows progress as published, acknowledged, committed and refused', () => {
    expect(formatDemoProgress(progress)).toBe(
      'published 140/140, acknowledged 132, committed 120/140, refused 2',
    );
    expect(formatDemoProgress({ ...progress, duplicatesReported: 3 })).toMatch(/, duplicates reported 3$/);
  });

  it('sums up a complete run with the transactions and blocks, and readings already there', () => {
    const lines = formatDemoReadingsResult({
      progress: {
        ...progress,
        onLedgerBefore: 40,
        toPublish: 100,
        published: 100,
        committed: 140,
        refused: 0,
        outstanding: 0,
      },
      complete: true,
      refused: [],
      notCommitted: [],
      unattributedNotices: [],
      resent: 3,
      elapsedMs: 2_345,
    });
    expect(lines).toEqual([
      'done: 140 of 140 readings on the ledger (100 published now in 6 transactions, blocks 7–12; 40 there before), ' +
        '0 refused, 0 not seen committed, 3 sent again for want of a receipt (2.3 s)',
    ]);
  });

  it('lists what was refused and what was never seen committed', () => {
    const result: PublishUntilCommittedResult = {
      progress,
      complete: false,
      refused: [
        {
          deviceId: 'logger-demo-1',
          seq: 4,
          measuredAt: 0,
          code: 'CLOCK_SKEW',
          reason: 'ahead',
          by: 'gateway',
        },
        {
          deviceId: 'logger-demo-1',
          seq: 5,
          measuredAt: 0,
          code: 'CLOCK_SKEW',
          reason: 'ahead',
          by: 'gateway',
        },
      ],
      notCommitted: [{ deviceId: 'tracker-demo-1', seq: 9, measuredAt: 0, acknowledged: true }],
      unattributedNotices: [{ deviceId: 'logger-demo-1', code: 'SCHEMA_VIOLATION', reason: 'bad' }],
      resent: 0,
      lookupError: 'the gateway at http://127.0.0.1:3000 does not answer: connect ECONNREFUSED',
      elapsedMs: 120_000,
    };
    expect(formatDemoReadingsResult(result)).toEqual([
      'INCOMPLETE: 120 of 140 readings on the ledger (120 published now in 6 transactions, blocks 7–12), ' +
        '2 refused, 1 not seen committed (120.0 s)',
      'refused readings:',
      '  CLOCK_SKEW from the gateway, 2 readings (e.g. "ahead"): logger-demo-1 seq 4–5',
      'readings never seen committed (no ingest event named them, and the ledger did not have them):',
      '  tracker-demo-1: seq 9 acknowledged by the broker, not seen committed',
      'the last look-up of outstanding readings on the ledger failed: the gateway at http://127.0.0.1:3000 does not answer: connect ECONNREFUSED',
      'notices that named no reading of this run (1):',
      '  logger-demo-1: SCHEMA_VIOLATION: bad',
    ]);
  });
});

describe('demo command', () => {
  let dir: string;
  let keysFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-demo-cli-'));
    keysFile = join(dir, 'keys.json');
    await writeFile(
      keysFile,
      JSON.stringify({
        ProducerMSP: { admin: 'pvk_pa', operator: 'pvk_po' },
        CarrierMSP: { admin: 'pvk_ca', operator: 'pvk_co' },
        AuditorMSP: { auditor: 'pvk_au' },
      }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('names a missing option with an example, and exits 2', async () => {
    const result = await run('demo', DEMO, '--gateway', 'http://127.0.0.1:9', '--api-keys', keysFile);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--broker is required, e.g. --broker mqtt://127.0.0.1:1883');
  });

  it('refuses a key file without the auditor’s key before any request, and exits 2', async () => {
    const noAuditor = join(dir, 'no-auditor.json');
    await writeFile(noAuditor, JSON.stringify({ ProducerMSP: { admin: 'pvk_pa', operator: 'pvk_po' } }));
    const result = await run(
      'demo',
      DEMO,
      '--gateway',
      'http://127.0.0.1:9',
      '--broker',
      'mqtt://127.0.0.1:9',
      '--api-keys',
      noAuditor,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('lacks a key the scenario needs: AuditorMSP.auditor');
  });

  it('says which step failed when the gateway does not answer, and exits 1', async () => {
    const port = await freePort();
    const result = await run(
      'demo',
      DEMO,
      '--gateway',
      `http://127.0.0.1:${port}`,
      '--broker',
      'mqtt://127.0.0.1:9',
      '--api-keys',
      keysFile,
      '--state',
      join(dir, 'state'),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `demo failed while provisioning through the REST API: GATEWAY_UNAVAILABLE: the gateway at ` +
        `http://127.0.0.1:${port} does not answer: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
  });
});
