import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForecastError } from '../forecast-error';
import { loadStandaloneSettings, type GatewayFabricParts } from './standalone-config';

const made: string[] = [];
/** A folder of its own for each test, removed when the file is done. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'provena-forecasting-settings-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** The gateway's loader as the service sees it: records what it was given, answers or refuses as told. */
function fakeGateway(problems: string[] = []) {
  const calls: NodeJS.ProcessEnv[] = [];
  const opened: unknown[] = [];
  const parts: GatewayFabricParts = {
    loadGatewayConfig(env) {
      calls.push(env);
      if (problems.length > 0) throw Object.assign(new Error('invalid gateway configuration'), { problems });
      return { fabric: { peers: 'from the connection file' } };
    },
    FabricLedgerAdapter: class {
      constructor(options: unknown) {
        opened.push(options);
      }
    } as unknown as GatewayFabricParts['FabricLedgerAdapter'],
  };
  return { parts, calls, opened };
}

function networkDir(identities: unknown): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'forecasting-identity.json'), JSON.stringify(identities));
  return dir;
}

const OPERATOR = { mspId: 'ProducerMSP', role: 'operator', certPath: '/c.pem', keyPath: '/k.pem' };

function problemsOf(attempt: () => unknown): string[] {
  try {
    attempt();
  } catch (err) {
    expect(err).toBeInstanceOf(ForecastError);
    return (err as Error).message.replace(/^BAD_CONFIG: /, '').split('; ');
  }
  throw new Error('the settings were accepted');
}

describe('the standalone forecasting service’s settings', () => {
  it('acts only as its own identity, found beside the connection file, with only the Fabric settings passed on', () => {
    const dir = networkDir([OPERATOR]);
    const gateway = fakeGateway();
    const settings = loadStandaloneSettings(
      {
        PROVENA_FABRIC_CONNECTION: join(dir, 'connection.json'),
        PROVENA_FABRIC_EVALUATE_MS: '7000',
        PROVENA_FABRIC_IDENTITIES: '/the/gateway/identities.json',
        PROVENA_HTTP_PORT: 'not the service’s business',
        PROVENA_FORECAST_DIR: join(dir, 'forecasts'),
      },
      gateway.parts,
    );
    expect(settings.identityFile).toBe(join(dir, 'forecasting-identity.json'));
    expect(settings.forecasting.actor).toEqual({ org: 'ProducerMSP', role: 'operator' });
    expect(settings.forecasting.directory).toBe(join(dir, 'forecasts'));
    expect(gateway.calls).toEqual([
      {
        PROVENA_FABRIC_CONNECTION: join(dir, 'connection.json'),
        PROVENA_FABRIC_EVALUATE_MS: '7000',
        PROVENA_FABRIC_IDENTITIES: join(dir, 'forecasting-identity.json'),
        PROVENA_INGEST_ORG: 'ProducerMSP',
        PROVENA_FORECASTING: 'off',
      },
    ]);
    settings.openLedger();
    expect(gateway.opened).toEqual([{ peers: 'from the connection file' }]);
  });

  it('lists every problem at once: a missing identity file and a bad forecasting setting', () => {
    const dir = tempDir();
    const problems = problemsOf(() =>
      loadStandaloneSettings(
        { PROVENA_FORECAST_IDENTITY: join(dir, 'none.json'), PROVENA_FORECAST_HORIZON_DAYS: '0' },
        fakeGateway().parts,
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^PROVENA_FORECAST_IDENTITY: cannot use .*none\.json \(ENOENT\): bash scripts\/forecasting-identity\.sh/,
      ),
      'PROVENA_FORECAST_HORIZON_DAYS: must be an integer 1..365',
    ]);
  });

  it.each([
    ['an admin identity', [{ ...OPERATOR, role: 'admin' }]],
    ['an auditor identity', [{ ...OPERATOR, mspId: 'AuditorMSP', role: 'auditor' }]],
    ['two identities', [OPERATOR, { ...OPERATOR, mspId: 'CarrierMSP' }]],
    ['no list', OPERATOR],
  ])('refuses %s: one operator identity anchors, nothing more', (_name, identities) => {
    const dir = networkDir(identities);
    const problems = problemsOf(() =>
      loadStandaloneSettings(
        { PROVENA_FABRIC_CONNECTION: join(dir, 'connection.json') },
        fakeGateway().parts,
      ),
    );
    expect(problems).toEqual([expect.stringMatching(/must list exactly one identity, of role operator/)]);
  });

  it('refuses PROVENA_FORECAST_ORG naming another organisation than its identity’s', () => {
    const dir = networkDir([OPERATOR]);
    const problems = problemsOf(() =>
      loadStandaloneSettings(
        { PROVENA_FABRIC_CONNECTION: join(dir, 'connection.json'), PROVENA_FORECAST_ORG: 'CarrierMSP' },
        fakeGateway().parts,
      ),
    );
    expect(problems).toEqual([expect.stringMatching(/^PROVENA_FORECAST_ORG: .* of ProducerMSP/)]);
  });

  it('reports the gateway loader’s problems under the service’s own variable names', () => {
    const dir = networkDir([OPERATOR]);
    const problems = problemsOf(() =>
      loadStandaloneSettings(
        { PROVENA_FABRIC_CONNECTION: join(dir, 'connection.json') },
        fakeGateway([
          'PROVENA_FABRIC_IDENTITIES: cannot use x: certPath: required',
          'PROVENA_FABRIC_EVALUATE_MS: too small',
        ]).parts,
      ),
    );
    expect(problems).toEqual([
      'PROVENA_FORECAST_IDENTITY: cannot use x: certPath: required',
      'PROVENA_FABRIC_EVALUATE_MS: too small',
    ]);
  });
});
