import type { Context } from 'fabric-contract-api';
import { peer } from '@hyperledger/fabric-protos';
import {
  decodeGetStateMultiple,
  decodeWriteBatch,
  encodeGetStateMultipleResult,
} from './testing/state-batch-decoder';
import {
  configureStateBatch,
  discardWrites,
  encodeWriteBatch,
  flushWrites,
  MAX_KEYS_PER_MESSAGE,
  putState,
  readStates,
  stateBatchFromEnvironment,
} from './state-batch';

/**
 * A stub with the real shim's shape where batching looks (`handler._askPeerAndListen`, tx and channel), whose
 * "peer" answers GET_STATE_MULTIPLE from `committed` as Fabric does: one value per key, empty where none.
 */
function shimLikeContext(committed = new Map<string, string>()) {
  const sent: peer.ChaincodeMessage[] = [];
  const direct: [string, Uint8Array][] = [];
  const gets: string[] = [];
  const stub = {
    handler: {
      _askPeerAndListen: async (msg: peer.ChaincodeMessage) => {
        // What goes on the stream: the message must survive protobuf serialisation as the shim's stream does it.
        const received = peer.ChaincodeMessage.deserializeBinary(msg.serializeBinary());
        sent.push(received);
        if ((received.getType() as number) !== 25) return Buffer.alloc(0);
        const { keys } = decodeGetStateMultiple(received.getPayload_asU8());
        return Buffer.from(
          encodeGetStateMultipleResult(keys.map((k) => Buffer.from(committed.get(k) ?? ''))),
        );
      },
    },
    getTxID: () => 'tx-1',
    getChannelID: () => 'provena',
    getState: async (key: string) => {
      gets.push(key);
      return Buffer.from(committed.get(key) ?? '');
    },
    putState: async (key: string, value: Uint8Array) => {
      direct.push([key, value]);
    },
  };
  return { ctx: { stub } as unknown as Context, sent, direct, gets };
}

describe('state batch', () => {
  afterEach(() => configureStateBatch(false));

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

  it('reads many keys in one GET_STATE_MULTIPLE, values by key, absent keys left out', async () => {
    configureStateBatch(true);
    const committed = new Map([
      ['a', '{"n":1}'],
      ['c', '{"n":3}'],
    ]);
    const { ctx, sent, gets } = shimLikeContext(committed);
    const values = await readStates(ctx, ['a', 'b', 'c', 'a']);
    expect(gets).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.getType() as number).toBe(25);
    expect(sent[0]!.getTxid()).toBe('tx-1');
    expect(decodeGetStateMultiple(sent[0]!.getPayload_asU8())).toEqual({
      keys: ['a', 'b', 'c'],
      collection: '',
    });
    expect(new Map([...values].map(([k, v]) => [k, Buffer.from(v).toString()]))).toEqual(committed);
  });

  it('splits a read of more keys than the peer default maxSizeGetMultipleKeys', async () => {
    configureStateBatch(true);
    const keys = Array.from({ length: MAX_KEYS_PER_MESSAGE + 1 }, (_, i) => `k${i}`);
    const { ctx, sent } = shimLikeContext(new Map([[`k${MAX_KEYS_PER_MESSAGE}`, 'last']]));
    const values = await readStates(ctx, keys);
    expect(sent.map((m) => decodeGetStateMultiple(m.getPayload_asU8()).keys.length)).toEqual([
      MAX_KEYS_PER_MESSAGE,
      1,
    ]);
    expect(Buffer.from(values.get(`k${MAX_KEYS_PER_MESSAGE}`)!).toString()).toBe('last');
  });

  it('refuses an answer that does not hold one value per key', async () => {
    configureStateBatch(true);
    const { ctx } = shimLikeContext();
    (
      ctx.stub as unknown as { handler: { _askPeerAndListen: () => Promise<Buffer> } }
    ).handler._askPeerAndListen = async () => Buffer.from(encodeGetStateMultipleResult([Buffer.from('x')]));
    await expect(readStates(ctx, ['a', 'b'])).rejects.toThrow('the peer answered 1 values for 2 keys');
  });

  it('reads one GET_STATE per key while batching is off', async () => {
    const { ctx, sent, gets } = shimLikeContext(new Map([['a', '1']]));
    const values = await readStates(ctx, ['a', 'b']);
    expect(sent).toHaveLength(0);
    expect(gets).toEqual(['a', 'b']);
    expect([...values.keys()]).toEqual(['a']);
  });

  it('sends each write at once while batching is off', async () => {
    const { ctx, sent, direct } = shimLikeContext();
    await putState(ctx, 'a', Buffer.from('1'));
    expect(direct).toHaveLength(1);
    await flushWrites(ctx);
    expect(sent).toHaveLength(0);
  });

  it('holds writes until the transaction ends, then sends one WRITE_BATCH_STATE with the last value per key', async () => {
    configureStateBatch(true);
    const { ctx, sent, direct } = shimLikeContext();
    await putState(ctx, 'a', Buffer.from('1'));
    await putState(ctx, 'b', Buffer.from('2'));
    await putState(ctx, 'a', Buffer.from('3'));
    expect(sent).toHaveLength(0);
    await flushWrites(ctx);
    expect(direct).toHaveLength(0);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.getType() as number).toBe(24);
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
    configureStateBatch(true);
    const { ctx, sent } = shimLikeContext();
    const total = MAX_KEYS_PER_MESSAGE * 2 + 5;
    for (let i = 0; i < total; i++) await putState(ctx, `k${i}`, Buffer.from(String(i)));
    await flushWrites(ctx);
    expect(sent.map((m) => decodeWriteBatch(m.getPayload_asU8()).length)).toEqual([
      MAX_KEYS_PER_MESSAGE,
      MAX_KEYS_PER_MESSAGE,
      5,
    ]);
  });

  it('sends nothing for a transaction that failed', async () => {
    configureStateBatch(true);
    const { ctx, sent, direct } = shimLikeContext();
    await putState(ctx, 'a', Buffer.from('1'));
    discardWrites(ctx);
    await flushWrites(ctx);
    expect(sent).toHaveLength(0);
    expect(direct).toHaveLength(0);
  });

  it('writes through putState on a stub without the shim queue (the in-memory test stub)', async () => {
    configureStateBatch(true);
    const { ctx, direct } = shimLikeContext();
    delete (ctx.stub as unknown as { handler?: unknown }).handler;
    await putState(ctx, 'a', Buffer.from('1'));
    expect(direct).toHaveLength(0);
    await flushWrites(ctx);
    expect(direct.map(([k, v]) => [k, Buffer.from(v).toString()])).toEqual([['a', '1']]);
  });

  it('reads its setting from PROVENA_STATE_BATCH, off by default, and refuses anything else', () => {
    expect(stateBatchFromEnvironment({})).toBe(false);
    expect(stateBatchFromEnvironment({ PROVENA_STATE_BATCH: 'on' })).toBe(true);
    expect(stateBatchFromEnvironment({ PROVENA_STATE_BATCH: 'off' })).toBe(false);
    expect(() => stateBatchFromEnvironment({ PROVENA_STATE_BATCH: 'yes' })).toThrow(
      'PROVENA_STATE_BATCH must be "on" or "off", not "yes"',
    );
  });
});
