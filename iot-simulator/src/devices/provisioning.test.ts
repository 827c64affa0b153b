import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDevicePublicKey } from '@provena/wire';
import { parseScenario } from '../scenario/scenario.parser';
import { newMemoryDeviceRegistry } from './device-registry.port';
import { openFileKeyStore } from './key-store';
import { provisionScenarioDevices } from './provisioning';

describe('provisionScenarioDevices', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provena-prov-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('registers every device with its public key, kind and metadata through the registry port', async () => {
    const scenario = parseScenario(
      readFileSync(join(__dirname, '..', '..', 'scenarios', 'demo.json'), 'utf8'),
    );
    const keys = await openFileKeyStore({ directory: dir });
    const registry = newMemoryDeviceRegistry();
    expect(await provisionScenarioDevices(scenario, keys, registry)).toEqual([
      'logger-demo-1',
      'tracker-demo-1',
      'compressor-demo-1',
    ]);
    const logger = registry.devices.get('logger-demo-1')!;
    expect(logger.kind).toBe('reefer-logger');
    expect(logger.metadata).toMatchObject({
      ownerOrg: 'ProducerMSP',
      sensorModel: 'cold-chain',
      shipmentId: 'SHP-DEMO-1',
      vendor: 'Provena simulator',
    });
    expect(() => parseDevicePublicKey(logger.publicKeyPem)).not.toThrow();
    expect(logger.publicKeyPem).not.toContain('PRIVATE');
    // A second run keeps the keys: the registry sees the same public key again.
    const again = newMemoryDeviceRegistry();
    await provisionScenarioDevices(scenario, await openFileKeyStore({ directory: dir }), again);
    expect(again.devices.get('logger-demo-1')!.publicKeyPem).toBe(logger.publicKeyPem);
  });
});
