import { LedgerEvent, parseLedgerError } from '@provena/wire';
import type { DeviceRecord } from './device.model';
import type { TestIdentity } from './testing/in-memory-context';
import {
  as,
  CARRIER,
  contracts,
  deviceJson,
  newKeyPair,
  newTestDevice,
  PRODUCER,
  Scenario,
} from './testing/test-fixtures';

const { device } = contracts;

describe('device contract', () => {
  let s: Scenario;
  const d1 = newTestDevice('reefer-0001');

  beforeEach(async () => {
    s = new Scenario();
  });

  describe('RegisterDevice', () => {
    it('registers a device of the admin’s organisation with its first key from sequence 1', async () => {
      const { result, txId, event } = await s.ledger.submit<DeviceRecord>(
        as.producerAdmin,
        device,
        'RegisterDevice',
        deviceJson(d1, PRODUCER, { metadata: { model: 'RL-200', firmware: '1.4.2' } }),
      );
      expect(result).toMatchObject({
        deviceId: 'reefer-0001',
        ownerOrg: PRODUCER,
        kind: 'reefer-logger',
        metadata: { model: 'RL-200', firmware: '1.4.2' },
        status: 'active',
        revocation: null,
        registeredAtTxId: txId,
        keys: [{ publicKeyPem: d1.publicKeyPem, fromSeq: 1, rotatedAtTxId: txId }],
      });
      expect(event).toEqual({
        name: LedgerEvent.DeviceRegistered,
        payload: { deviceId: 'reefer-0001', ownerOrg: PRODUCER },
      });
      expect(await s.ledger.evaluate(as.auditor, device, 'GetDevice', 'reefer-0001')).toEqual(result);
    });

    it('stores the key in one canonical PEM form whatever the line endings sent', async () => {
      const crlf = d1.publicKeyPem.replace(/\n/g, '\r\n');
      const { result } = await s.ledger.submit<DeviceRecord>(
        as.producerAdmin,
        device,
        'RegisterDevice',
        JSON.stringify({ deviceId: 'd2', publicKeyPem: crlf, ownerOrg: PRODUCER, kind: 'tracker' }),
      );
      expect(result.keys[0]?.publicKeyPem).toBe(d1.publicKeyPem);
    });

    it.each([
      ['an operator', as.producerOperator, /^FORBIDDEN: only an admin of the device's owner organisation/],
      ['an auditor', as.auditor, /^FORBIDDEN: only an admin of the device's owner organisation/],
      [
        'an admin of another organisation',
        as.carrierAdmin,
        /^FORBIDDEN: only an admin of ProducerMSP may register/,
      ],
    ])('refuses %s', async (_who, identity, message) => {
      await expect(s.ledger.submit(identity, device, 'RegisterDevice', deviceJson(d1))).rejects.toThrow(
        message,
      );
      expect(s.ledger.keys()).toEqual([]);
    });

    it('refuses a second registration of the same id', async () => {
      await s.registerDevice(d1);
      await expect(s.registerDevice(d1)).rejects.toThrow(/^ALREADY_EXISTS: device reefer-0001/);
    });

    it.each([
      ['unknown fields', { colour: 'blue' }, /^INVALID_ARGUMENT: device.colour is not a known field/],
      [
        'a U+0000 in the id',
        { deviceId: 'reefer\u00000001' },
        /^INVALID_ARGUMENT: SCHEMA_VIOLATION: device.deviceId/,
      ],
      [
        'a key that is not P-256',
        { publicKeyPem: 'x' },
        /^INVALID_ARGUMENT: device.publicKeyPem: BAD_PUBLIC_KEY/,
      ],
      [
        '17 metadata entries',
        { metadata: Object.fromEntries([...Array(17).keys()].map((i) => [`k${i}`, 'v'])) },
        /at most 16 entries/,
      ],
      ['a nested metadata value', { metadata: { a: { b: 'c' } } }, /device.metadata.a must be a string/],
      ['a control character in metadata', { metadata: { note: 'a\u0007b' } }, /control characters/],
      [
        'metadata text over 512 characters',
        { metadata: { note: 'x'.repeat(513) } },
        /at most 512 characters/,
      ],
      ['a missing kind', { kind: undefined }, /^INVALID_ARGUMENT: device.kind is required/],
    ])('refuses %s', async (_what, change, message) => {
      const json = JSON.stringify({ ...JSON.parse(deviceJson(d1)), ...change });
      await expect(s.ledger.submit(as.producerAdmin, device, 'RegisterDevice', json)).rejects.toThrow(
        message,
      );
    });

    it.each([
      [
        'NaN',
        '{"deviceId":"d1","publicKeyPem":"x","ownerOrg":"ProducerMSP","kind":"k","n":NaN}',
        'MALFORMED_JSON',
      ],
      ['a duplicate key', '{"deviceId":"d1","deviceId":"d2"}', 'DUPLICATE_KEY'],
      ['an array', '[]', undefined],
    ])('refuses JSON with %s as INVALID_ARGUMENT', async (_what, json, wireCode) => {
      const err = await s.ledger
        .submit(as.producerAdmin, device, 'RegisterDevice', json)
        .catch((e: Error) => e);
      const parsed = parseLedgerError((err as Error).message);
      expect(parsed.code).toBe('INVALID_ARGUMENT');
      if (wireCode) expect(parsed.message).toContain(wireCode);
    });
  });

  describe('ListDevices', () => {
    it('pages through devices in id order with Fabric bookmarks', async () => {
      for (const id of ['d3', 'd1', 'd5', 'd2', 'd4']) await s.registerDevice(newTestDevice(id));
      type Page = { items: DeviceRecord[]; bookmark: string; fetchedRecordsCount: number };
      const first = await s.ledger.evaluate<Page>(as.auditor, device, 'ListDevices', '2', '');
      expect(first.items.map((d) => d.deviceId)).toEqual(['d1', 'd2']);
      expect(first.fetchedRecordsCount).toBe(2);
      const second = await s.ledger.evaluate<Page>(as.auditor, device, 'ListDevices', '2', first.bookmark);
      expect(second.items.map((d) => d.deviceId)).toEqual(['d3', 'd4']);
      const last = await s.ledger.evaluate<Page>(as.auditor, device, 'ListDevices', '2', second.bookmark);
      expect(last).toMatchObject({ bookmark: '', fetchedRecordsCount: 1 });
      expect(last.items.map((d) => d.deviceId)).toEqual(['d5']);
    });

    it.each(['0', '-1', 'NaN', '1e3', ' 5', ''])('refuses the page size %j', async (pageSize) => {
      await expect(s.ledger.evaluate(as.auditor, device, 'ListDevices', pageSize, '')).rejects.toThrow(
        /^INVALID_ARGUMENT: pageSize/,
      );
    });

    it('refuses a bookmark from another query, which the peer would use as a start key unchecked', async () => {
      await expect(
        s.ledger.evaluate(as.auditor, device, 'ListDevices', '10', '\u0000shipment\u0000S1\u0000'),
      ).rejects.toThrow(/^INVALID_ARGUMENT: bookmark does not belong to this query/);
    });
  });

  describe('RotateDeviceKey', () => {
    beforeEach(async () => {
      await s.registerDevice(d1);
    });

    it('appends a key effective from a later sequence and keeps the old one', async () => {
      const next = newKeyPair();
      const { result, txId, event } = await s.ledger.submit<DeviceRecord>(
        as.producerAdmin,
        device,
        'RotateDeviceKey',
        'reefer-0001',
        next.publicKeyPem,
        '100',
      );
      expect(result.keys.map((k) => [k.fromSeq, k.publicKeyPem])).toEqual([
        [1, d1.publicKeyPem],
        [100, next.publicKeyPem],
      ]);
      expect(result.keys[1]?.rotatedAtTxId).toBe(txId);
      expect(event).toEqual({
        name: LedgerEvent.KeyRotated,
        payload: { deviceId: 'reefer-0001', ownerOrg: PRODUCER, effectiveFromSeq: 100 },
      });
    });

    it('refuses a start that does not move past the current key', async () => {
      const next = newKeyPair();
      await s.ledger.submit(
        as.producerAdmin,
        device,
        'RotateDeviceKey',
        'reefer-0001',
        next.publicKeyPem,
        '50',
      );
      await expect(
        s.ledger.submit(
          as.producerAdmin,
          device,
          'RotateDeviceKey',
          'reefer-0001',
          newKeyPair().publicKeyPem,
          '50',
        ),
      ).rejects.toThrow(/^CONFLICT: effectiveFromSeq must be greater than 50/);
    });

    it.each([
      [
        'an admin of another organisation',
        as.carrierAdmin,
        /^FORBIDDEN: only an admin of ProducerMSP may rotate the key of device reefer-0001$/,
      ],
      [
        'an operator of the owner',
        as.producerOperator,
        /^FORBIDDEN: only an admin of ProducerMSP may rotate/,
      ],
      [
        'an auditor',
        as.auditor,
        /^FORBIDDEN: only an admin of ProducerMSP may rotate the key of device reefer-0001$/,
      ],
    ])('refuses %s, naming the owner', async (_who, identity, message) => {
      await expect(
        s.ledger.submit(identity, device, 'RotateDeviceKey', 'reefer-0001', newKeyPair().publicKeyPem, '10'),
      ).rejects.toThrow(message);
    });

    it('refuses an auditor FORBIDDEN even for an unknown or malformed device id, and tells an admin NOT_FOUND', async () => {
      const rotate = (identity: TestIdentity, id: string) =>
        s.ledger.submit(identity, device, 'RotateDeviceKey', id, newKeyPair().publicKeyPem, '10');
      const generic = /^FORBIDDEN: only an admin of the device's owner organisation may rotate a device key$/;
      await expect(rotate(as.auditor, 'ghost')).rejects.toThrow(generic);
      await expect(rotate(as.auditor, 'bad\u0000id')).rejects.toThrow(generic);
      await expect(rotate(as.producerOperator, 'ghost')).rejects.toThrow(generic);
      await expect(rotate(as.producerAdmin, 'ghost')).rejects.toThrow(/^NOT_FOUND: device ghost/);
    });

    it.each(['NaN', '0', '1.5', '9007199254740992'])('refuses effectiveFromSeq %j', async (seq) => {
      await expect(
        s.ledger.submit(
          as.producerAdmin,
          device,
          'RotateDeviceKey',
          'reefer-0001',
          newKeyPair().publicKeyPem,
          seq,
        ),
      ).rejects.toThrow(/^INVALID_ARGUMENT: effectiveFromSeq/);
    });

    it('refuses an unknown device with NOT_FOUND', async () => {
      await expect(
        s.ledger.submit(as.producerAdmin, device, 'RotateDeviceKey', 'nope', newKeyPair().publicKeyPem, '10'),
      ).rejects.toThrow(/^NOT_FOUND: device nope is not registered/);
    });
  });

  describe('RevokeDevice', () => {
    beforeEach(async () => {
      await s.registerDevice(d1);
    });

    it('marks the device revoked with reason, actor and transaction', async () => {
      const { result, txId, event } = await s.ledger.submit<DeviceRecord>(
        { ...as.producerAdmin, id: 'x509::/CN=Admin@producer::/CN=ca' },
        device,
        'RevokeDevice',
        'reefer-0001',
        'logger lost in transit',
      );
      expect(result.status).toBe('revoked');
      expect(result.revocation).toEqual({
        reason: 'logger lost in transit',
        txId,
        at: expect.any(Number),
        by: 'x509::/CN=Admin@producer::/CN=ca',
      });
      expect(event).toEqual({
        name: LedgerEvent.DeviceRevoked,
        payload: { deviceId: 'reefer-0001', ownerOrg: PRODUCER, reason: 'logger lost in transit' },
      });
    });

    it('refuses to revoke twice, and to rotate a revoked device key', async () => {
      await s.ledger.submit(as.producerAdmin, device, 'RevokeDevice', 'reefer-0001', 'lost');
      await expect(
        s.ledger.submit(as.producerAdmin, device, 'RevokeDevice', 'reefer-0001', 'lost'),
      ).rejects.toThrow(/^DEVICE_REVOKED: device reefer-0001 is already revoked/);
      await expect(
        s.ledger.submit(
          as.producerAdmin,
          device,
          'RotateDeviceKey',
          'reefer-0001',
          newKeyPair().publicKeyPem,
          '9',
        ),
      ).rejects.toThrow(/^DEVICE_REVOKED/);
    });

    it('refuses an admin of another organisation, saying who may', async () => {
      await expect(
        s.ledger.submit({ mspId: CARRIER, ou: 'admin' }, device, 'RevokeDevice', 'reefer-0001', 'lost'),
      ).rejects.toThrow(/^FORBIDDEN: only an admin of ProducerMSP may revoke device reefer-0001$/);
    });

    it('refuses an empty reason', async () => {
      await expect(
        s.ledger.submit(as.producerAdmin, device, 'RevokeDevice', 'reefer-0001', ''),
      ).rejects.toThrow(/^INVALID_ARGUMENT: reason must not be empty/);
    });
  });

  it('refuses identities without an admin or client NodeOU even for reads', async () => {
    await expect(
      s.ledger.evaluate({ mspId: PRODUCER, ou: 'peer' }, device, 'GetDevice', 'd1'),
    ).rejects.toThrow(/^FORBIDDEN: the ProducerMSP identity has NodeOU peer/);
  });

  it('answers an unknown transaction name with INVALID_ARGUMENT', async () => {
    const ctx = s.ledger.begin(as.producerAdmin, { args: ['device:Nope'] });
    await expect(device.unknownTransaction(ctx)).rejects.toThrow(
      /^INVALID_ARGUMENT: contract device has no transaction device:Nope/,
    );
  });
});
