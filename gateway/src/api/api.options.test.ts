import { checkApiOptions } from './api.options';

describe('checkApiOptions', () => {
  it('accepts sound options unchanged', () => {
    const options = {
      apiKeysFile: '/var/lib/provena/api-keys.json',
      rateLimitPerMinute: 600,
      maxPageSize: 100,
    };
    expect(checkApiOptions(options)).toEqual(options);
  });

  it('stops start-up naming every bad option, not just the first', () => {
    expect(() => checkApiOptions({ apiKeysFile: '', rateLimitPerMinute: 0, maxPageSize: 500 })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: { fields: ['apiKeysFile', 'rateLimitPerMinute', 'maxPageSize'] },
      }),
    );
  });
});
