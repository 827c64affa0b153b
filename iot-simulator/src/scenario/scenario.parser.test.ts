import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioError, type ScenarioIssue } from '../errors';
import { parseScenario, validateScenario } from './scenario.parser';

type Json = Record<string, unknown>;

// Organisation ids are Fabric MSP ids (see organisation-id.ts).
const PRODUCER = 'ProducerMSP';
const CARRIER = 'CarrierMSP';

function base(): Json {
  return {
    name: 'test',
    seed: 1,
    start: '2026-03-02T00:00:00Z',
    duration: '2d',
    readingInterval: '5m',
    organisations: [{ id: PRODUCER }, { id: CARRIER }],
    products: [{ id: 'p1' }],
    routes: [
      {
        id: 'r1',
        waypoints: [
          { lat: 52, lon: 4 },
          { lat: 52.5, lon: 13 },
        ],
      },
    ],
    shipments: [
      {
        id: 'S1',
        product: 'p1',
        quantity: 10,
        origin: PRODUCER,
        destination: CARRIER,
        route: 'r1',
        departAt: '+1h',
        arriveAt: '+1d',
        compliance: { temperatureC: { min: 2, max: 8 } },
        handovers: [{ at: '+1d', from: PRODUCER, to: CARRIER }],
      },
    ],
    devices: [
      { id: 'd1', kind: 'reefer-logger', owner: PRODUCER, shipment: 'S1', model: { type: 'cold-chain' } },
      {
        id: 'e1',
        kind: 'conveyor-monitor',
        owner: CARRIER,
        model: { type: 'equipment', machine: 'conveyor' },
      },
    ],
    demand: [{ product: 'p1', location: 'AMS', origin: PRODUCER, destination: CARRIER, baseOrdersPerDay: 5 }],
  };
}

function issuesOf(mutate: (s: Json) => void): ScenarioIssue[] {
  const scenario = base();
  mutate(scenario);
  const result = validateScenario(scenario);
  return 'scenario' in result ? [] : result.issues;
}

function paths(issues: ScenarioIssue[]): string[] {
  return issues.map((i) => i.path);
}

const at = (value: unknown, ...keys: (string | number)[]): Json =>
  keys.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value) as Json;

describe('scenario parser', () => {
  it('accepts the base scenario and fills in defaults', () => {
    const result = validateScenario(base());
    if (!('scenario' in result)) throw new Error(JSON.stringify(result.issues));
    const { scenario } = result;
    expect(scenario.startMs).toBe(Date.UTC(2026, 2, 2));
    expect(scenario.shipments[0]!.departAtMs).toBe(Date.UTC(2026, 2, 2, 1));
    expect(scenario.timeCompression).toBe(1);
    expect(scenario.devices[0]!.readingIntervalMs).toBe(300_000);
    expect(scenario.devices[0]!.model).toMatchObject({ type: 'cold-chain', setPointC: 5 });
    expect(scenario.devices[1]!.model).toMatchObject({ type: 'equipment', failureThresholdMmS: 7.1 });
    expect(scenario.demand[0]!.weekly).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('reports JSON syntax errors with line and column', () => {
    expect(() => parseScenario('{\n  "name": "x",\n  "seed": 1,,\n}', 'bad.json')).toThrow(
      /bad\.json: 1 problem\n {2}\$: not valid JSON: .* \(line 3, column 13\)/,
    );
  });

  it('refuses a key given twice instead of keeping the last one', () => {
    expect(() => parseScenario('{"seed": 1, "seed": 2}')).toThrow(
      /\$: duplicate key: key "seed" appears twice/,
    );
  });

  it('lists every missing required field, not only the first', () => {
    const issues = validateScenario({}).issues;
    expect(paths(issues)).toEqual(
      expect.arrayContaining(['$.start', '$.duration', '$.organisations', '$.name', '$.seed']),
    );
    expect(issues.find((i) => i.path === '$.seed')!.message).toMatch(/is required/);
  });

  it('names wrong types and values with the JSON path and what was found', () => {
    const issues = issuesOf((s) => {
      s.seed = 'forty-two';
      s.duration = '7 days';
      at(s, 'shipments', 0).quantity = 0;
      at(s, 'routes', 0, 'waypoints', 1).lat = 123;
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: '$.seed', message: expect.stringMatching(/must be an integer.*got "forty-two"/) },
        { path: '$.duration', message: expect.stringMatching(/must be a duration.*got "7 days"/) },
        { path: '$.shipments[0].quantity', message: expect.stringMatching(/≥ 1, got 0/) },
        { path: '$.routes[0].waypoints[1].lat', message: expect.stringMatching(/from -90 to 90, got 123/) },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  it('reports unknown fields, so a typo is not silently ignored', () => {
    const issues = issuesOf((s) => {
      s.readingIntervall = '1m';
      at(s, 'devices', 0, 'model').setPoint = 4;
    });
    expect(paths(issues)).toEqual(['$.readingIntervall', '$.devices[0].model.setPoint']);
    expect(issues[1]!.message).toMatch(/not a known field .*setPointC/);
  });

  it('reports references to things the scenario does not define, and duplicate ids', () => {
    const issues = issuesOf((s) => {
      at(s, 'shipments', 0).product = 'p9';
      at(s, 'shipments', 0).route = 'nowhere';
      at(s, 'devices', 0).owner = 'Z';
      at(s, 'devices', 1).id = 'd1';
      (s.organisations as Json[]).push({ id: PRODUCER });
    });
    expect(paths(issues).sort()).toEqual(
      [
        '$.devices[0].owner',
        '$.devices[1].id',
        '$.organisations[2].id',
        '$.shipments[0].product',
        '$.shipments[0].route',
      ].sort(),
    );
    expect(issues.find((i) => i.path === '$.shipments[0].product')!.message).toMatch(/"p9".*defined: p1/);
  });

  it('refuses an organisation id that is not a Fabric MSP id, naming the id and the rule', () => {
    // The bug this guards against: "ProducerOrg" went into API keys and ownerOrg, and only the gateway refused it,
    // with "this gateway holds no Fabric identity for operator of ProducerOrg".
    const issues = issuesOf((s) => {
      const renamed = JSON.stringify(s).replaceAll('"ProducerMSP"', '"ProducerOrg"');
      Object.assign(s, JSON.parse(renamed));
    });
    expect(issues).toEqual([
      {
        path: '$.organisations[0].id',
        message:
          'is "ProducerOrg", not a Fabric MSP id: organisation ids are the MSP ids the gateway holds Fabric ' +
          'identities for, used as they are in API keys, ownerOrg and custody: letters, digits and ._:-, at most ' +
          '64, ending in "MSP", e.g. "ProducerMSP"',
      },
    ]);
    expect(() =>
      parseScenario(JSON.stringify({ ...base(), organisations: [{ id: 'PharmacyOrg' }] }), 'x.json'),
    ).toThrow(/\$\.organisations\[0\]\.id: is "PharmacyOrg", not a Fabric MSP id: .*ending in "MSP"/);
  });

  it.each([
    ['MSP', /not a Fabric MSP id/],
    ['producermsp', /not a Fabric MSP id/],
    ['AuditorMSP', /may only read: it can own no device, create no shipment and take no custody/],
  ])('refuses the organisation id %s', (id, message) => {
    const issues = issuesOf((s) => (s.organisations as Json[]).push({ id }));
    expect(issues).toEqual([{ path: '$.organisations[2].id', message: expect.stringMatching(message) }]);
  });

  it('accepts any MSP id of the wire format, not only the network of today', () => {
    expect(issuesOf((s) => (s.organisations as Json[]).push({ id: 'Org3.cold-store:MSP' }))).toEqual([]);
  });

  it('checks instants and time order: impossible dates, arrival before departure', () => {
    const issues = issuesOf((s) => {
      s.start = '2026-02-30T00:00:00Z';
      at(s, 'shipments', 0).arriveAt = '2026-03-01T00:00:00Z';
    });
    expect(paths(issues)).toContain('$.start');
    const again = issuesOf((s) => {
      at(s, 'shipments', 0).departAt = '+2d';
      at(s, 'shipments', 0).arriveAt = '+1d';
    });
    expect(again).toContainEqual({ path: '$.shipments[0].arriveAt', message: 'must be after departAt' });
  });

  it('checks compliance profiles: known measurements, min ≤ max, something to check', () => {
    const issues = issuesOf((s) => {
      at(s, 'shipments', 0).compliance = {
        temperatureC: { min: 9, max: 8 },
        pressureHpa: { max: 1 },
        shockG: {},
      };
    });
    expect(paths(issues).sort()).toEqual(
      [
        '$.shipments[0].compliance.pressureHpa',
        '$.shipments[0].compliance.shockG',
        '$.shipments[0].compliance.temperatureC.min',
      ].sort(),
    );
  });

  it('accepts only the rules the chaincode accepts: no battery rule, no floor on shock or vibration', () => {
    const issues = issuesOf((s) => {
      at(s, 'shipments', 0).compliance = {
        batteryPct: { min: 20 },
        shockG: { min: 0.1, max: 4 },
        vibrationMmS: { min: 1 },
        humidityPct: { max: 80 },
      };
    });
    expect(paths(issues).sort()).toEqual(
      [
        '$.shipments[0].compliance.batteryPct',
        '$.shipments[0].compliance.shockG.min',
        '$.shipments[0].compliance.vibrationMmS',
        '$.shipments[0].compliance.vibrationMmS.min',
      ].sort(),
    );
  });

  it('checks the custody chain: the giver must hold the shipment, in time order, within the journey', () => {
    const issues = issuesOf((s) => {
      at(s, 'shipments', 0).handovers = [
        { at: '+2h', from: PRODUCER, to: CARRIER, rejects: true },
        { at: '+3h', from: CARRIER, to: PRODUCER },
        { at: '+1h30m', from: PRODUCER, to: PRODUCER },
        { at: '+3d', from: PRODUCER, to: CARRIER },
      ];
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        {
          path: '$.shipments[0].handovers[1].from',
          message: expect.stringMatching(/custody of "ProducerMSP"/),
        },
        { path: '$.shipments[0].handovers[2].to', message: 'must differ from "from"' },
        { path: '$.shipments[0].handovers[2].at', message: expect.stringMatching(/before the previous/) },
        {
          path: '$.shipments[0].handovers[3].at',
          message: expect.stringMatching(/between the shipment's departAt/),
        },
      ]),
    );
  });

  it('checks sensor models against the device they are on', () => {
    const issues = issuesOf((s) => {
      const devices = s.devices as Json[];
      delete devices[0]!.shipment;
      devices[1]!.shipment = 'S1';
      at(devices[1], 'model').failureThresholdMmS = 0.5;
      devices.push({ id: 'x1', kind: 'k', owner: PRODUCER, shipment: 'S1', model: { type: 'thermometer' } });
      devices.push({
        id: 'x2',
        kind: 'k',
        owner: PRODUCER,
        shipment: 'S1',
        model: { type: 'cold-chain', report: ['vibrationMmS'] },
      });
    });
    expect(paths(issues).sort()).toEqual(
      [
        '$.devices[0].shipment',
        '$.devices[1].shipment',
        '$.devices[1].model.failureThresholdMmS',
        '$.devices[2].model.type',
        '$.devices[3].model.report[0]',
      ].sort(),
    );
  });

  it('checks demand definitions', () => {
    const issues = issuesOf((s) => {
      Object.assign(at(s, 'demand', 0), {
        weekly: [1, 1, 1, 1, 1, 1],
        promotions: [{ from: '2026-03-05', to: '2026-03-04', lift: 2 }],
        noise: { type: 'gaussian' },
      });
      (s.demand as Json[]).push({
        product: 'p1',
        location: 'AMS',
        origin: PRODUCER,
        destination: CARRIER,
        baseOrdersPerDay: -1,
      });
    });
    expect(paths(issues).sort()).toEqual(
      [
        '$.demand[0].weekly',
        '$.demand[0].promotions[0].to',
        '$.demand[0].noise.type',
        '$.demand[1].location',
        '$.demand[1].baseOrdersPerDay',
      ].sort(),
    );
  });

  it('flags a scenario whose size points to a unit mistake', () => {
    const issues = issuesOf((s) => {
      s.duration = '3650d';
      s.readingInterval = '100ms';
      at(s, 'devices', 0).shipment = undefined;
      (s.devices as Json[]).splice(0, 1);
    });
    expect(issues).toContainEqual({
      path: '$.duration',
      message: expect.stringMatching(/readings, more than/),
    });
  });

  it('throws one ScenarioError listing every issue, one per line', () => {
    try {
      parseScenario(JSON.stringify({ ...base(), seed: -1, duration: 'soon' }), 'x.json');
      throw new Error('expected a ScenarioError');
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      const e = error as ScenarioError;
      expect(e.code).toBe('SCENARIO_INVALID');
      expect(e.issues).toHaveLength(2);
      expect(e.message.split('\n')).toEqual([
        'x.json: 2 problems',
        expect.stringMatching(/^ {2}\$\.seed: /),
        expect.stringMatching(/^ {2}\$\.duration: /),
      ]);
    }
  });

  it("carries a shipment's commercial terms, and names each malformed field", () => {
    const terms = {
      price: { amount: '12.50', currency: 'EUR' },
      quantity: { amount: '10', unit: 'boxes' },
      customer: 'City Pharmacy',
    };
    const result = validateScenario({
      ...base(),
      shipments: [{ ...at(base(), 'shipments', 0), commercialTerms: terms }],
    });
    if (!('scenario' in result)) throw new Error(JSON.stringify(result.issues));
    expect(result.scenario.shipments[0]!.commercialTerms).toEqual(terms);
    expect(validateScenario(base())).toMatchObject({
      scenario: { shipments: [expect.not.objectContaining({ commercialTerms: expect.anything() })] },
    });

    const issues = issuesOf((sc) => {
      at(sc, 'shipments', 0).commercialTerms = {
        ...terms,
        price: { amount: 12.5, currency: 'euro' },
        extra: 1,
      };
    });
    expect(paths(issues).sort()).toEqual([
      '$.shipments[0].commercialTerms.extra',
      '$.shipments[0].commercialTerms.price.amount',
      '$.shipments[0].commercialTerms.price.currency',
    ]);
  });

  describe('ready scenarios', () => {
    const folder = join(__dirname, '..', '..', 'scenarios');
    const files = readdirSync(folder).filter((f) => f.endsWith('.json'));

    it('include demo, cold-chain-week, demand-history and equipment-fleet', () => {
      expect(files.sort()).toEqual([
        'cold-chain-week.json',
        'demand-history.json',
        'demo.json',
        'equipment-fleet.json',
      ]);
    });

    it.each(files)('%s parses', (file) => {
      expect(() => parseScenario(readFileSync(join(folder, file), 'utf8'), file)).not.toThrow();
    });

    // The native network's organisations that write (network/: ProducerMSP, CarrierMSP; AuditorMSP only reads).
    // A ready scenario must provision against it as it is, so it names no other organisation.
    it.each(files)(
      '%s names only ProducerMSP and CarrierMSP, the network organisations that write',
      (file) => {
        const scenario = parseScenario(readFileSync(join(folder, file), 'utf8'), file);
        for (const org of scenario.organisations) expect([PRODUCER, CARRIER]).toContain(org.id);
      },
    );
  });
});
