import type { Context } from 'fabric-contract-api';
import { peer } from '@hyperledger/fabric-protos';
import { decodeWriteBatch } from './testing/write-batch-decoder';
import {
  configureWriteBatch,
  discardWrites,
  encodeWriteBatch,
  flushWrites,
  MAX_RECORDS_PER_MESSAGE,
  putState,
  writeBatchFromEnvironment,
} from './write-batch';

/** A stub with the real shim's shape where write batching looks: `handler._askPeerAndListen`, tx and channel. */
function shimLikeContext() {
  const sent: peer.ChaincodeMessage[] = [];
  const direct: [string, Uint8Array][] = [];
  const stub = {
    handler: {
      _askPeerAndListen: async (msg: peer.ChaincodeMessage) => {
        // What goes on the stream: the message must survive protobuf serialisation as the shim's stream does it.
        sent.push(peer.ChaincodeMessage.deserializeBinary(msg.serializeBinary()));
        return Buffer.alloc(0);
      },
    },
    getTxID: () => 'tx-1',
    getChannelID: () => 'provena',
    putState: async (key: string, value: Uint8Array) => {
      direct.push([key, value]);
    },
  };
  return { ctx: { stub } as unknown as Context, sent, direct };
}

describe('write batch', () => {
  afterEach(() => configureWriteBatch(false));

  it('encodes records a peer decodes field by field, values byte for byte', () => {
    const value = Buffer.from('{"deviceId":"tag-1","é":"ü"}', 'utf8');
    const big = Buffer.alloc(300, 7); // a length that needs a two-byte varint
    const records = decodeWriteBatch(
      encodeWriteBatch([
        ['\u0000reading\u0000tag-1\u000042\u0000', value],
        ['k2', big],
        ['k3', new Uint8Array()],
      ]),
    );
    expect(records).toEqual([
      { key: '\u0000reading\u0000tag-1\u000042\u0000', value, collection: '', type: 9 },
      { key: 'k2', value: big, collection: '', type: 9 },
      { key: 'k3', value: Buffer.alloc(0), collection: '', type: 9 },
    ]);
  });

  it('sends each write at once while batching is off', async () => {
    const { ctx, sent, direct } = shimLikeContext();
    await putState(ctx, 'a', Buffer.from('1'));
    expect(direct).toHaveLength(1);
    await flushWrites(ctx);
    expect(sent).toHaveLength(0);
  });

  it('holds writes until the transaction ends, then sends one WRITE_BATCH_STATE with the last value per key', async () => {
    configureWriteBatch(true);
    const { ctx, sent, direct } = shimLikeContext();
    await putState(ctx, 'a', Buffer.from('1'));
    await putState(ctx, 'b', Buffer.from('2'));
    await putState(ctx, 'a', Buffer.from('3'));
    expect(sent).toHaveLength(0);
    await flushWrites(ctx);
    expect(direct).toHaveLength(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.getType()).toBe(24);
    expect(sent[0]!.getTxid()).toBe('tx-1');
    expect(sent[0]!.getChannelId()).toBe('provena');
    const records = decodeWriteBatch(sent[0]!.getPayload_asU8());
    expect(records.map((r) => [r.key, r.value.toString()])).toEqual([
      ['b', '2'],
      ['a', '3'],
    ]);
    // Flushed once: a second flush (nothing new) sends nothing.
    await flushWrites(ctx);
    expect(sent).toHaveLength(1);
  });

  it('splits a write set larger than the peer default maxSizeWriteBatch', async () => {
    configureWriteBatch(true);
    const { ctx, sent } = shimLikeContext();
    const total = MAX_RECORDS_PER_MESSAGE * 2 + 5;
    for (let i = 0; i < total; i++) await putState(ctx, `k${i}`, Buffer.from(String(i)));
    await flushWrites(ctx);
    expect(sent.map((m) => decodeWriteBatch(m.getPayload_asU8()).length)).toEqual([
      MAX_RECORDS_PER_MESSAGE,
      MAX_RECORDS_PER_MESSAGE,
      5,
    ]);
  });

  it('sends nothing for a transaction that failed', async () => {
    configureWriteBatch(true);
    const { ctx, sent, direct } = shimLikeContext();
    await putState(ctx, 'a', Buffer.from('1'));
    discardWrites(ctx);
    await flushWrites(ctx);
    expect(sent).toHaveLength(0);
    expect(direct).toHaveLength(0);
  });

  it('writes through putState on a stub without the shim queue (the in-memory test stub)', async () => {
    configureWriteBatch(true);
    const { ctx, direct } = shimLikeContext();
    delete (ctx.stub as unknown as { handler?: unknown }).handler;
    await putState(ctx, 'a', Buffer.from('1'));
    expect(direct).toHaveLength(0);
    await flushWrites(ctx);
    expect(direct.map(([k, v]) => [k, Buffer.from(v).toString()])).toEqual([['a', '1']]);
  });

  it('reads its setting from PROVENA_STATE_WRITE_BATCH, off by default, and refuses anything else', () => {
    expect(writeBatchFromEnvironment({})).toBe(false);
    expect(writeBatchFromEnvironment({ PROVENA_STATE_WRITE_BATCH: 'on' })).toBe(true);
    expect(writeBatchFromEnvironment({ PROVENA_STATE_WRITE_BATCH: 'off' })).toBe(false);
    expect(() => writeBatchFromEnvironment({ PROVENA_STATE_WRITE_BATCH: 'yes' })).toThrow(
      'PROVENA_STATE_WRITE_BATCH must be "on" or "off", not "yes"',
    );
  });
});
