import { COMPLIANCE_RULES, evaluateCompliance, parseComplianceProfile } from './compliance';

describe('compliance', () => {
  it('names every rule a profile can state', () => {
    expect(COMPLIANCE_RULES).toEqual([
      'temperatureC.min',
      'temperatureC.max',
      'humidityPct.min',
      'humidityPct.max',
      'shockG.max',
      'vibrationMmS.max',
    ]);
  });

  it('treats limits as inclusive and reports each broken rule with limit and observation', () => {
    const profile = parseComplianceProfile(
      {
        temperatureC: { min: 2, max: 8 },
        humidityPct: { max: 70 },
        shockG: { max: 3 },
        vibrationMmS: { max: 11.2 },
      },
      'p',
    );
    expect(
      evaluateCompliance(profile, { temperatureC: 8, humidityPct: 70, shockG: 3, vibrationMmS: 11.2 }),
    ).toEqual([]);
    expect(
      evaluateCompliance(profile, { temperatureC: 1.9, humidityPct: 70.1, shockG: 3.5, vibrationMmS: 12 }),
    ).toEqual([
      { rule: 'temperatureC.min', limit: 2, observed: 1.9 },
      { rule: 'humidityPct.max', limit: 70, observed: 70.1 },
      { rule: 'shockG.max', limit: 3, observed: 3.5 },
      { rule: 'vibrationMmS.max', limit: 11.2, observed: 12 },
    ]);
  });

  it('ignores measurements the profile does not constrain, and constraints the reading does not measure', () => {
    const profile = parseComplianceProfile({ temperatureC: { max: 8 } }, 'p');
    expect(evaluateCompliance(profile, { humidityPct: 99, batteryPct: 1 })).toEqual([]);
    expect(evaluateCompliance({}, { temperatureC: 100 })).toEqual([]);
  });

  it.each([
    [{ temperatureC: {} }, /p.temperatureC must state min or max/],
    [{ shockG: {} }, /p.shockG.max is required/],
    [{ temperatureC: { max: 'cold' } }, /p.temperatureC.max must be a finite number/],
    [{ temperatureC: { max: 200 } }, /p.temperatureC.max must be between -90 and 150/],
    [{ batteryPct: { min: 10 } }, /p.batteryPct is not a known field/],
    [[], /p must be a JSON object/],
  ])('refuses the profile %j', (profile, message) => {
    expect(() => parseComplianceProfile(profile as never, 'p')).toThrow(message);
  });
});
