import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext, INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { GatewayError } from '../../errors/gateway-error';
import { LEDGER } from '../../ledger/ledger.port';
import { InMemoryLedgerAdapter } from '../../testing/in-memory-ledger.adapter';
import { ApiModule } from '../api.module';
import { FixedWindowRateLimiter } from '../rate-limit/rate-limiter';
import { AccessGuard } from './access.guard';
import { ApiKeyStore } from './api-key.store';

// Requests without a valid API key, counted per client address: past the allowance they are told 429 with
// Retry-After instead of 401, while valid keys keep working.

const FORGED = `Bearer pvk_0123456789ab_${'A'.repeat(43)}`;

describe('requests without a valid API key, through the Nest app (429)', () => {
  let dir: string;
  let app: INestApplication;
  let valid: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'provena-unauth-'));
    const file = join(dir, 'api-keys.json');
    valid = (await new ApiKeyStore({ file }).create({ role: 'auditor', org: 'AuditorMSP', label: 'a' })).key;
    const moduleRef = await Test.createTestingModule({
      imports: [
        ApiModule.forRoot(
          {
            apiKeysFile: file,
            rateLimitPerMinute: 10_000,
            maxPageSize: 100,
            unauthenticatedRateLimitPerMinute: 3,
          },
          {
            ledgerModule: {
              module: class LedgerModule {},
              providers: [{ provide: LEDGER, useValue: new InMemoryLedgerAdapter() }],
              exports: [LEDGER],
            },
          },
        ),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 up to the allowance, then 429 RATE_LIMITED with Retry-After; a valid key still gets through', async () => {
    const http = () => request(app.getHttpServer());
    await http().get('/devices').expect(401);
    await http().get('/devices').set('Authorization', FORGED).expect(401);
    await http().post('/shipments').set('Authorization', 'Bearer letmein').send({}).expect(401);

    const limited = await http().get('/devices').set('Authorization', FORGED).expect(429);
    expect(limited.body).toEqual({
      code: 'RATE_LIMITED',
      message: 'too many requests without a valid API key; retry later',
      details: { retryAfterSeconds: expect.any(Number) },
    });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBe(limited.body.details.retryAfterSeconds);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await http().get('/devices').expect(429);

    // The same address, with a key: served, and not counted against the unauthenticated allowance.
    await http().get('/devices').set('Authorization', `Bearer ${valid}`).expect(200);
  });

  it('refuses to start with an allowance that is not a positive integer', () => {
    expect(() =>
      ApiModule.forRoot({
        apiKeysFile: join(dir, 'api-keys.json'),
        rateLimitPerMinute: 1,
        maxPageSize: 1,
        unauthenticatedRateLimitPerMinute: 0,
      }),
    ).toThrow(/unauthenticatedRateLimitPerMinute/);
  });
});

describe('AccessGuard counting requests without a valid key per client address', () => {
  let dir: string;
  let now: number;
  let guard: AccessGuard;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'provena-unauth-guard-'));
    now = 1_000_000;
    guard = new AccessGuard(
      new Reflector(),
      new ApiKeyStore({ file: join(dir, 'none.json') }),
      new FixedWindowRateLimiter({ limit: 100 }),
      new FixedWindowRateLimiter({ limit: 2, windowMs: 60_000, maxKeys: 100, now: () => now }),
    );
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** The code the guard refuses an unauthenticated request from `ip` with, and the Retry-After it set. */
  async function refusal(ip: string): Promise<{ code: string; retryAfter?: string }> {
    const headers: Record<string, string> = {};
    const context = {
      getHandler: () => refusal,
      getClass: () => AccessGuard,
      switchToHttp: () => ({
        getRequest: () => ({ headers: {}, ip, socket: { remoteAddress: ip } }),
        getResponse: () => ({ setHeader: (name: string, value: string) => (headers[name] = value) }),
      }),
    } as unknown as ExecutionContext;
    try {
      await guard.canActivate(context);
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return {
        code: err.code,
        ...(headers['Retry-After'] !== undefined && { retryAfter: headers['Retry-After'] }),
      };
    }
    throw new Error('the guard let an unauthenticated request through');
  }

  it('gives each address its own allowance, and every address of one IPv6 /64 the same one', async () => {
    expect(await refusal('203.0.113.1')).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await refusal('::ffff:203.0.113.1')).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await refusal('203.0.113.1')).toEqual({ code: 'RATE_LIMITED', retryAfter: '60' });
    expect(await refusal('203.0.113.2')).toEqual({ code: 'UNAUTHENTICATED' });

    expect(await refusal('2001:db8:1:2::1')).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await refusal('2001:db8:1:2:ffff::9')).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await refusal('2001:db8:1:2:abcd::5')).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await refusal('2001:db8:1:3::1')).toEqual({ code: 'UNAUTHENTICATED' });
  });

  it('lets an address in again once its minute is over', async () => {
    for (let i = 0; i < 2; i++) await refusal('198.51.100.7');
    now += 59_500;
    expect(await refusal('198.51.100.7')).toEqual({ code: 'RATE_LIMITED', retryAfter: '1' });
    now += 500;
    expect(await refusal('198.51.100.7')).toEqual({ code: 'UNAUTHENTICATED' });
  });
});
