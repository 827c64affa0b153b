import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatorErrorCode } from '../errors';
import type { Scenario } from '../scenario/scenario.types';
import { GatewayClient, parseGatewayApiKeys, requireScenarioApiKeys } from './gateway-client';

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

describe('a gateway that rate-limits', () => {
  /** A gateway stand-in on a free port answering 429 with `retryAfter` to the first `refusals` requests. */
  async function rateLimitedGateway(refusals: number, retryAfter: string | null) {
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push(body);
        if (bodies.length <= refusals) {
          if (retryAfter !== null) res.setHeader('Retry-After', retryAfter);
          res.writeHead(429, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ code: 'RATE_LIMITED', message: 'too many requests for this API key' }));
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { baseUrl: `http://127.0.0.1:${port}`, bodies, close: () => server.close() };
  }

  const shipment = {
    shipmentId: 'SHP-9',
    productCode: 'vaccine',
    quantity: 3,
    origin: 'ProducerMSP',
    destination: 'AMS',
  };
  const apiKeys = { ProducerMSP: { operator: 'pvk_o' } };

  it('waits as long as Retry-After says and sends the same request again', async () => {
    const gateway = await rateLimitedGateway(2, '2');
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    try {
      await new GatewayClient({ baseUrl: gateway.baseUrl, apiKeys, sleep }).createShipment(
        'ProducerMSP',
        shipment,
      );
      expect(waits).toEqual([2000, 2000]);
      expect(gateway.bodies).toHaveLength(3);
      expect(new Set(gateway.bodies)).toEqual(new Set([JSON.stringify(shipment)]));
    } finally {
      gateway.close();
    }
  });

  it('waits 1 s without a Retry-After, at most a minute whatever it says, and gives up after its retries', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const bare = await rateLimitedGateway(1, null);
    const long = await rateLimitedGateway(1, '3600');
    const always = await rateLimitedGateway(1_000, '1');
    try {
      await new GatewayClient({ baseUrl: bare.baseUrl, apiKeys, sleep }).createShipment(
        'ProducerMSP',
        shipment,
      );
      await new GatewayClient({ baseUrl: long.baseUrl, apiKeys, sleep }).createShipment(
        'ProducerMSP',
        shipment,
      );
      expect(waits).toEqual([1000, 60_000]);
      const client = new GatewayClient({ baseUrl: always.baseUrl, apiKeys, sleep, rateLimitRetries: 2 });
      await expect(client.createShipment('ProducerMSP', shipment)).rejects.toMatchObject({
        status: 429,
        code: 'RATE_LIMITED',
      });
      expect(always.bodies).toHaveLength(3);
    } finally {
      bare.close();
      long.close();
      always.close();
    }
  });
});
