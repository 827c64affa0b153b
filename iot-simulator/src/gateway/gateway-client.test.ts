import { SimulatorErrorCode } from '../errors';
import type { Scenario } from '../scenario/scenario.types';
import { parseGatewayApiKeys, requireScenarioApiKeys } from './gateway-client';

const scenario = {
  devices: [
    { id: 'logger-1', ownerOrg: 'ProducerMSP' },
    { id: 'tracker-1', ownerOrg: 'CarrierMSP' },
  ],
  shipments: [{ id: 'SHP-1', originOrg: 'ProducerMSP' }],
} as unknown as Scenario;

describe('API keys file', () => {
  it('takes admin and operator keys of members and the auditor key of AuditorMSP', () => {
    const text = JSON.stringify({
      ProducerMSP: { admin: 'pvk_a', operator: 'pvk_o' },
      CarrierMSP: { admin: 'pvk_c' },
      AuditorMSP: { auditor: 'pvk_u' },
    });
    const keys = parseGatewayApiKeys(text, 'keys.json');
    expect(keys.AuditorMSP?.auditor).toBe('pvk_u');
    expect(() => requireScenarioApiKeys(keys, scenario, 'keys.json', { auditor: true })).not.toThrow();
  });

  it('lists every problem of a bad file at once', () => {
    const text = JSON.stringify({
      ProducerMSP: { admin: '', operater: 'pvk_o' },
      CarrierMSP: 'pvk_c',
      ProducerMSP2: { auditor: 'pvk_u' },
    });
    expect(() => parseGatewayApiKeys(text, 'keys.json')).toThrow(
      expect.objectContaining({
        code: SimulatorErrorCode.BadArgument,
        message:
          'keys.json: 4 problems\n' +
          '  ProducerMSP.admin: must be an API key (a non-empty string)\n' +
          '  ProducerMSP.operater: unknown role; roles are admin, operator, auditor\n' +
          '  CarrierMSP: must be an object of roles (admin, operator, auditor)\n' +
          '  ProducerMSP2.auditor: auditor keys belong to AuditorMSP',
      }),
    );
    expect(() => parseGatewayApiKeys('{ "a": ', 'keys.json')).toThrow(/keys.json is not JSON/);
    expect(() => parseGatewayApiKeys('[]', 'keys.json')).toThrow(/must hold an object of organisations/);
  });

  it('names every key a scenario needs and the file lacks', () => {
    const keys = parseGatewayApiKeys(JSON.stringify({ ProducerMSP: { admin: 'pvk_a' } }), 'keys.json');
    expect(() => requireScenarioApiKeys(keys, scenario, 'keys.json', { auditor: true })).toThrow(
      'keys.json lacks keys the scenario needs: CarrierMSP.admin, ProducerMSP.operator, AuditorMSP.auditor',
    );
    expect(() => requireScenarioApiKeys(keys, scenario, 'keys.json')).toThrow(
      'keys.json lacks keys the scenario needs: CarrierMSP.admin, ProducerMSP.operator (create them',
    );
  });
});
