import type { Context } from 'fabric-contract-api';
import { peer } from '@hyperledger/fabric-protos';

/**
 * Batched state calls: many keys read in one GET_STATE_MULTIPLE message, and a transaction's public-state writes
 * sent in one WRITE_BATCH_STATE message when it ends, instead of one GET_STATE or PUT_STATE round trip per key.
 *
 * Why: every state call is a round trip between the chaincode server and the peer, each endorser runs them one at
 * a time, and a batch of readings from many devices reads a device record and a reading key per device and writes
 * about one key per reading. Fabric 3.1 peers take both messages (core.yaml `chaincode.runtimeParams.useWriteBatch`
 * and `useGetMultipleKeys`, on by default; the peer announces them in READY), but fabric-shim 2.5.8 can neither read
 * that announcement nor send the messages, and its protobuf package does not define them. So they are built here
 * from fabric-protos' `chaincode_shim.proto` (GetStateMultiple, GetStateMultipleResult, WriteBatchState,
 * WriteRecord) and sent through the shim's own request queue, which answers them like any other state call.
 *
 * What a transaction sees does not change. A multi-key read records each key in the read set exactly as a GET of
 * it would (the peer's TxSimulator.GetStateMultipleKeys). Deferred writes are invisible anyway: Fabric never shows a
 * transaction its own writes, and a write set holds one value per key, the last one written. A transaction that
 * fails sends no writes.
 *
 * Off unless the process is told its peer takes these messages (`PROVENA_STATE_BATCH=on`, which the network sets
 * for its Fabric 3.1 peers): an older peer answers an unknown message type by closing the chaincode's stream.
 */

/** Message and record types of Fabric 3.1's chaincode_shim.proto. */
const GET_STATE_MULTIPLE = 25;
const WRITE_BATCH_STATE = 24;
const RECORD_PUT_STATE = 9;
/** The peer's default `maxSizeWriteBatch` and `maxSizeGetMultipleKeys`: more keys go in several messages. */
export const MAX_KEYS_PER_MESSAGE = 1000;

let enabled = false;

/** Whether state calls are batched; set once from the environment when the chaincode loads (index.ts). */
export function configureStateBatch(on: boolean): void {
  enabled = on;
}

/** Whether state calls are batched: callers with a cheaper unbatched plan (ranges) choose by it. */
export function stateBatchEnabled(): boolean {
  return enabled;
}

export function stateBatchFromEnvironment(env: NodeJS.ProcessEnv): boolean {
  const value = env.PROVENA_STATE_BATCH ?? 'off';
  if (value !== 'on' && value !== 'off') {
    throw new Error(`PROVENA_STATE_BATCH must be "on" or "off", not ${JSON.stringify(value)}`);
  }
  return value === 'on';
}

/** The shim's per-connection handler, where it exists (the real fabric-shim's ChaincodeStub keeps it there). */
interface ShimHandler {
  _askPeerAndListen(msg: peer.ChaincodeMessage, method: string): Promise<unknown>;
}

function shimHandler(stub: object): ShimHandler | undefined {
  const handler = (stub as { handler?: Partial<ShimHandler> }).handler;
  return typeof handler?._askPeerAndListen === 'function' ? (handler as ShimHandler) : undefined;
}

async function ask(
  ctx: Context,
  handler: ShimHandler,
  type: number,
  payload: Uint8Array,
): Promise<Uint8Array> {
  const msg = new peer.ChaincodeMessage();
  msg.setType(type as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
  msg.setPayload(payload);
  msg.setTxid(ctx.stub.getTxID());
  msg.setChannelId(ctx.stub.getChannelID());
  // The shim resolves a RESPONSE it has no decoder for with its payload, and rejects an ERROR with its message.
  const answer = await handler._askPeerAndListen(
    msg,
    type === WRITE_BATCH_STATE ? 'WriteBatchState' : 'GetStateMultiple',
  );
  return answer instanceof Uint8Array ? answer : new Uint8Array();
}

/**
 * The committed values of `keys` (as of the last block, like GetState), by key; a key with no value is absent.
 * One message per {@link MAX_KEYS_PER_MESSAGE} keys when batching is on, one GET_STATE per key otherwise.
 */
export async function readStates(ctx: Context, keys: Iterable<string>): Promise<Map<string, Uint8Array>> {
  const unique = [...new Set(keys)];
  const values = new Map<string, Uint8Array>();
  const handler = enabled ? shimHandler(ctx.stub) : undefined;
  if (!handler) {
    for (const key of unique) {
      const value = await ctx.stub.getState(key);
      if (value.length > 0) values.set(key, value);
    }
    return values;
  }
  for (let start = 0; start < unique.length; start += MAX_KEYS_PER_MESSAGE) {
    const chunk = unique.slice(start, start + MAX_KEYS_PER_MESSAGE);
    const found = decodeGetStateMultipleResult(
      await ask(ctx, handler, GET_STATE_MULTIPLE, encodeGetStateMultiple(chunk)),
    );
    if (found.length !== chunk.length) {
      throw new Error(`the peer answered ${found.length} values for ${chunk.length} keys`);
    }
    chunk.forEach((key, i) => {
      if (found[i]!.length > 0) values.set(key, found[i]!);
    });
  }
  return values;
}

const pending = new WeakMap<object, Map<string, Uint8Array>>();

/** Writes one key: at once, or at the end of the transaction when batching is on. */
export async function putState(ctx: Context, key: string, value: Uint8Array): Promise<void> {
  if (!enabled) {
    await ctx.stub.putState(key, value);
    return;
  }
  let writes = pending.get(ctx.stub);
  if (!writes) {
    writes = new Map();
    pending.set(ctx.stub, writes);
  }
  // A Map keeps the first insertion's position: delete first so the order is that of the last writes, as a
  // peer sees them one at a time (the write set itself is sorted by key either way).
  writes.delete(key);
  writes.set(key, value);
}

/** Sends the transaction's deferred writes; called once, after the transaction function returned. */
export async function flushWrites(ctx: Context): Promise<void> {
  const writes = pending.get(ctx.stub);
  if (!writes || writes.size === 0) return;
  pending.delete(ctx.stub);
  const handler = shimHandler(ctx.stub);
  if (!handler) {
    // A stub without the shim's queue (the in-memory test stub): the same writes, one call each.
    for (const [key, value] of writes) await ctx.stub.putState(key, value);
    return;
  }
  const entries = [...writes];
  for (let start = 0; start < entries.length; start += MAX_KEYS_PER_MESSAGE) {
    await ask(
      ctx,
      handler,
      WRITE_BATCH_STATE,
      encodeWriteBatch(entries.slice(start, start + MAX_KEYS_PER_MESSAGE)),
    );
  }
}

/** Forgets a failed transaction's writes (nothing is sent for it). */
export function discardWrites(ctx: Context): void {
  pending.delete(ctx.stub);
}

/**
 * `WriteBatchState { repeated WriteRecord rec = 1; }` with `WriteRecord { string key = 1; bytes value = 2;
 * string collection = 3; Type type = 5; }`, in protobuf's wire format (length-delimited fields, varint type).
 */
export function encodeWriteBatch(entries: readonly (readonly [string, Uint8Array])[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [key, value] of entries) {
    const record = Buffer.concat([
      lengthDelimitedField(1, Buffer.from(key, 'utf8')),
      lengthDelimitedField(2, value),
      Buffer.from([(5 << 3) | 0, RECORD_PUT_STATE]),
    ]);
    parts.push(lengthDelimitedField(1, record));
  }
  return Buffer.concat(parts);
}

/** `GetStateMultiple { repeated string keys = 1; string collection = 2; }`, public state (no collection). */
export function encodeGetStateMultiple(keys: readonly string[]): Uint8Array {
  return Buffer.concat(keys.map((key) => lengthDelimitedField(1, Buffer.from(key, 'utf8'))));
}

/** `GetStateMultipleResult { repeated bytes values = 1; }`: one value per key asked, empty where none. */
export function decodeGetStateMultipleResult(bytes: Uint8Array): Uint8Array[] {
  const values: Uint8Array[] = [];
  for (const [number, wireType, value] of protobufFields(bytes)) {
    if (number !== 1 || wireType !== 2) {
      throw new Error(`GetStateMultipleResult: unexpected field ${number}/${wireType}`);
    }
    values.push((value as Uint8Array).slice());
  }
  return values;
}

/**
 * The fields of a protobuf message in wire order, as [field number, wire type, value]: a number for a varint, the
 * bytes for a length-delimited field (a view into `bytes`). Other wire types do not occur in these messages and are
 * refused, as is a truncated message.
 */
export function* protobufFields(bytes: Uint8Array): Generator<[number, number, Uint8Array | number]> {
  let at = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new Error('protobuf: truncated varint');
      const b = bytes[at++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  };
  while (at < bytes.length) {
    const tag = varint();
    const wireType = tag & 7;
    const number = Math.floor(tag / 8);
    if (wireType === 0) {
      yield [number, wireType, varint()];
    } else if (wireType === 2) {
      const length = varint();
      if (at + length > bytes.length) throw new Error('protobuf: truncated field');
      yield [number, wireType, bytes.subarray(at, at + length)];
      at += length;
    } else {
      throw new Error(`protobuf: wire type ${wireType} not expected here`);
    }
  }
}

/** A length-delimited protobuf field: tag, length, bytes. */
export function lengthDelimitedField(number: number, bytes: Uint8Array): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}

function varint(value: number): Buffer {
  const out: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
}
