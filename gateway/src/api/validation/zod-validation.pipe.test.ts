import type { ArgumentMetadata } from '@nestjs/common';
import { z } from 'zod';
import { GatewayError } from '../../errors/gateway-error';
import { CreateShipmentBody, DeviceListBody } from '../shipments/shipments.dto';
import { IdSchema, pageQuerySchema, readingRangeQuerySchema, SeqSchema } from './request.schemas';
import { ZodValidationPipe } from './zod-validation.pipe';

const body: ArgumentMetadata = { type: 'body' };
const query: ArgumentMetadata = { type: 'query' };
const param = (name: string): ArgumentMetadata => ({ type: 'param', data: name });

function refusal(schema: z.ZodType, value: unknown, metadata: ArgumentMetadata): GatewayError {
  try {
    new ZodValidationPipe(schema).transform(value, metadata);
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('expected a refusal');
}

const shipment = {
  shipmentId: 'SHP-1',
  productCode: 'VACCINE-X',
  quantity: 10,
  origin: 'Amsterdam',
  destination: 'Lyon',
};

describe('ZodValidationPipe', () => {
  it('passes a valid value through, converted', () => {
    expect(new ZodValidationPipe(SeqSchema).transform('42', param('seq'))).toBe(42);
    expect(new ZodValidationPipe(CreateShipmentBody).transform(shipment, body)).toEqual(shipment);
  });

  it.each([
    ['a missing field', { ...shipment, origin: undefined }, 'origin'],
    ['a wrongly typed field', { ...shipment, quantity: '10' }, 'quantity'],
    [
      'a nested field, by its dotted path',
      { ...shipment, complianceProfile: { temperatureC: { min: 'x' } } },
      'complianceProfile.temperatureC.min',
    ],
    ['an unknown field (bodies are strict)', { ...shipment, colour: 'red' }, 'colour'],
    [
      'an unknown nested field',
      { ...shipment, complianceProfile: { pressure: { max: 1 } } },
      'complianceProfile.pressure',
    ],
    ['a body that is not an object, as the body', 'text', 'body'],
  ])('refuses %s with VALIDATION_FAILED naming the field', (_case, value, field) => {
    const err = refusal(CreateShipmentBody, value, body);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual({ field });
    expect(err.message.startsWith(`${field}: `)).toBe(true);
  });

  it('names an array element by its index', () => {
    expect(refusal(DeviceListBody, { deviceIds: ['ok', 'not ok'] }, body).details).toEqual({
      field: 'deviceIds.1',
    });
  });

  it('names a path parameter by its name', () => {
    const err = refusal(IdSchema, 'bad id!', param('deviceId'));
    expect(err.details).toEqual({ field: 'deviceId' });
    expect(err.message).toMatch(/^deviceId: must be 1 to 64 letters/);
  });

  it.each(['0', '07', '1.0', '1e3', ' 1', '-1', ''])('refuses the sequence number %j', (seq) => {
    expect(refusal(SeqSchema, seq, param('seq')).details).toEqual({ field: 'seq' });
  });
});

describe('page and range queries', () => {
  const page = pageQuerySchema(100);

  it('defaults to 50 items from the first page', () => {
    expect(new ZodValidationPipe(page).transform({}, query)).toEqual({ pageSize: 50, bookmark: '' });
  });

  it('never defaults above the configured maximum', () => {
    expect(new ZodValidationPipe(pageQuerySchema(20)).transform({}, query)).toEqual({
      pageSize: 20,
      bookmark: '',
    });
  });

  it.each([
    [{ pageSize: '0' }, 'pageSize'],
    [{ pageSize: '101' }, 'pageSize'],
    [{ pageSize: ['1', '2'] }, 'pageSize'],
    [{ bookmark: 'x'.repeat(513) }, 'bookmark'],
    [{ page_size: '10' }, 'page_size'],
  ])('refuses %j naming %s', (value, field) => {
    expect(refusal(page, value, query).details).toEqual({ field });
  });

  it('takes a time range, open-ended by default', () => {
    const range = new ZodValidationPipe(readingRangeQuerySchema(100));
    expect(range.transform({ from: '1000' }, query)).toEqual({
      pageSize: 50,
      bookmark: '',
      from: 1000,
      to: Number.MAX_SAFE_INTEGER,
    });
  });

  it('refuses a range whose end is not after its start, naming `to`', () => {
    expect(refusal(readingRangeQuerySchema(100), { from: '5', to: '5' }, query).details).toEqual({
      field: 'to',
    });
  });
});
