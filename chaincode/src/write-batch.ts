import type { Context } from 'fabric-contract-api';
import { peer } from '@hyperledger/fabric-protos';

/**
 * A transaction's public-state writes, sent to the peer in one WRITE_BATCH_STATE message when the transaction ends
 * instead of one PUT_STATE round trip each.
 *
 * Why: every state call is a round trip between the chaincode server and the peer, each endorser runs them one at
 * a time, and a new reading writes about one key. Fabric 3.1 peers take a whole write set in one message
 * (core.yaml `chaincode.runtimeParams.useWriteBatch`, on by default; the peer announces it in READY), but
 * fabric-shim 2.5.8 can neither read that announcement nor send the message, and its protobuf package does not
 * define it. So the message is built here from fabric-protos' `chaincode_shim.proto` (WriteBatchState, WriteRecord)
 * and sent through the shim's own request queue, which answers it like any other state call.
 *
 * Deferring the writes changes nothing a transaction can observe: Fabric never shows a transaction its own writes,
 * and a write set holds one value per key, the last one written. A transaction that fails sends nothing.
 *
 * Off unless the process is told its peer accepts the message (`PROVENA_STATE_WRITE_BATCH=on`, which the network
 * sets for its Fabric 3.1 peers): an older peer answers an unknown message type by closing the chaincode's stream.
 */

/** `ChaincodeMessage.Type.WRITE_BATCH_STATE` and `WriteRecord.Type.PUT_STATE` in Fabric 3.1's chaincode_shim.proto. */
const WRITE_BATCH_STATE = 24;
const RECORD_PUT_STATE = 9;
/** The peer's default `maxSizeWriteBatch`: larger write sets go in several messages. */
export const MAX_RECORDS_PER_MESSAGE = 1000;

let enabled = false;

/** Whether writes are batched; read once from the environment when the chaincode loads (index.ts). */
export function configureWriteBatch(on: boolean): void {
  enabled = on;
}

export function writeBatchFromEnvironment(env: NodeJS.ProcessEnv): boolean {
  const value = env.PROVENA_STATE_WRITE_BATCH ?? 'off';
  if (value !== 'on' && value !== 'off') {
    throw new Error(`PROVENA_STATE_WRITE_BATCH must be "on" or "off", not ${JSON.stringify(value)}`);
  }
  return value === 'on';
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

/** The shim's per-connection handler, where it exists (the real fabric-shim's ChaincodeStub keeps it there). */
interface ShimHandler {
  _askPeerAndListen(msg: peer.ChaincodeMessage, method: string): Promise<unknown>;
}

function shimHandler(stub: object): ShimHandler | undefined {
  const handler = (stub as { handler?: Partial<ShimHandler> }).handler;
  return typeof handler?._askPeerAndListen === 'function' ? (handler as ShimHandler) : undefined;
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
  for (let start = 0; start < entries.length; start += MAX_RECORDS_PER_MESSAGE) {
    const msg = new peer.ChaincodeMessage();
    msg.setType(WRITE_BATCH_STATE as peer.ChaincodeMessage.TypeMap[keyof peer.ChaincodeMessage.TypeMap]);
    msg.setPayload(encodeWriteBatch(entries.slice(start, start + MAX_RECORDS_PER_MESSAGE)));
    msg.setTxid(ctx.stub.getTxID());
    msg.setChannelId(ctx.stub.getChannelID());
    await handler._askPeerAndListen(msg, 'WriteBatchState');
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
    const keyBytes = Buffer.from(key, 'utf8');
    const record = Buffer.concat([
      field(1, keyBytes),
      field(2, value),
      Buffer.from([(5 << 3) | 0, RECORD_PUT_STATE]),
    ]);
    parts.push(field(1, record));
  }
  return Buffer.concat(parts);
}

function field(number: number, bytes: Uint8Array): Buffer {
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
