import {
  BadRequestException,
  Logger,
  NotFoundException,
  PayloadTooLargeException,
  type ArgumentsHost,
} from '@nestjs/common';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { GatewayExceptionFilter, HTTP_STATUS_OF_CODE, httpErrorOf } from './gateway-exception.filter';

describe('httpErrorOf', () => {
  it.each([
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['NOT_FOUND', 404],
    ['ALREADY_EXISTS', 409],
    ['CONFLICT', 409],
    ['OPEN_BREACH', 409],
    ['NO_PENDING_OFFER', 409],
    ['OFFER_PENDING', 409],
    ['DEVICE_REVOKED', 409],
    ['SHIPMENT_DELIVERED', 409],
    ['INVALID_ARGUMENT', 422],
    ['VALIDATION_FAILED', 400],
    ['RATE_LIMITED', 429],
    ['IDEMPOTENCY_KEY_REUSED', 422],
    ['IDEMPOTENCY_IN_PROGRESS', 409],
    ['LEDGER_UNAVAILABLE', 503],
    ['COMMIT_FAILED', 503],
    ['INTERNAL', 500],
  ] as const)('maps GatewayError %s to HTTP %d', (code, status) => {
    expect(httpErrorOf(new GatewayError(code, 'm')).status).toBe(status);
  });

  it('has a status for every code', () => {
    expect(Object.keys(HTTP_STATUS_OF_CODE).sort()).toEqual(Object.values(GatewayErrorCode).sort());
  });

  it("passes a client error's code, message and details through", () => {
    const err = new GatewayError('VALIDATION_FAILED', 'deviceId: bad', { field: 'deviceId' });
    expect(httpErrorOf(err)).toEqual({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'deviceId: bad', details: { field: 'deviceId' } },
      log: 'none',
    });
  });

  it('replaces the message of server-side failures, which may name peers or internals', () => {
    const unavailable = httpErrorOf(
      new GatewayError('LEDGER_UNAVAILABLE', '14 UNAVAILABLE: connect ECONNREFUSED peer0.producer:7051'),
    );
    expect(unavailable.body.message).not.toMatch(/peer0|ECONNREFUSED/);
    expect(unavailable.log).toBe('warn');
    const internal = httpErrorOf(new GatewayError('INTERNAL', 'TypeError at /srv/x.js:1', { stack: 'x' }));
    expect(internal.body).toEqual({ code: 'INTERNAL', message: 'internal error' });
    expect(internal.log).toBe('error');
  });

  it('answers an unknown error with 500 INTERNAL and a message that reveals nothing', () => {
    expect(httpErrorOf(new Error('password=hunter2 in /etc/secret'))).toEqual({
      status: 500,
      body: { code: 'INTERNAL', message: 'internal error' },
      log: 'error',
    });
    expect(httpErrorOf('a string')).toMatchObject({ status: 500 });
  });

  it("maps Nest's unknown-route 404 to NOT_FOUND", () => {
    expect(httpErrorOf(new NotFoundException('Cannot GET /nope'))).toEqual({
      status: 404,
      body: { code: 'NOT_FOUND', message: 'Cannot GET /nope' },
      log: 'none',
    });
  });

  it("maps Nest's 400 and 413 to VALIDATION_FAILED, keeping the status", () => {
    expect(httpErrorOf(new BadRequestException('bad'))).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED' },
    });
    expect(httpErrorOf(new PayloadTooLargeException())).toMatchObject({
      status: 413,
      body: { code: 'VALIDATION_FAILED' },
    });
  });

  it("maps body-parser's exposed client errors (bad JSON) to VALIDATION_FAILED", () => {
    const parseError = Object.assign(new SyntaxError('Unexpected token } in JSON'), {
      status: 400,
      expose: true,
      type: 'entity.parse.failed',
    });
    expect(httpErrorOf(parseError)).toEqual({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'Unexpected token } in JSON' },
      log: 'none',
    });
  });
});

describe('GatewayExceptionFilter', () => {
  function hostFor() {
    const response = {
      headersSent: false,
      headers: {} as Record<string, string>,
      statusCode: 0,
      body: undefined as unknown,
      setHeader(name: string, value: string) {
        this.headers[name] = value;
      },
      status(code: number) {
        this.statusCode = code;
        return this;
      },
      json(body: unknown) {
        this.body = body;
      },
    };
    const request = { method: 'GET', originalUrl: '/devices', url: '/devices' };
    const host = {
      switchToHttp: () => ({ getResponse: () => response, getRequest: () => request }),
    } as unknown as ArgumentsHost;
    return { host, response };
  }

  it('writes the status and body, and asks for a bearer token on 401', () => {
    const { host, response } = hostFor();
    new GatewayExceptionFilter().catch(new GatewayError('UNAUTHENTICATED', 'no key'), host);
    expect(response.statusCode).toBe(401);
    expect(response.body).toEqual({ code: 'UNAUTHENTICATED', message: 'no key' });
    expect(response.headers['WWW-Authenticate']).toBe('Bearer');
  });

  it('logs an unknown error server-side with its stack, and only that', () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      const { host, response } = hostFor();
      new GatewayExceptionFilter().catch(new Error('boom'), host);
      expect(response.statusCode).toBe(500);
      expect(logged).toHaveBeenCalledWith(
        expect.stringContaining('GET /devices failed: 500 INTERNAL'),
        expect.stringContaining('boom'),
      );
      logged.mockClear();
      new GatewayExceptionFilter().catch(new GatewayError('NOT_FOUND', 'no device'), hostFor().host);
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });
});
