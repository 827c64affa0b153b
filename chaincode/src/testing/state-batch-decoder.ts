import { lengthDelimitedField, protobufFields as fields } from '../state-batch';

/** One record of a WRITE_BATCH_STATE message, as a peer reads it. */
export interface WriteRecord {
  key: string;
  value: Buffer;
  collection: string;
  /** WriteRecord.Type: 9 PUT_STATE, 10 DEL_STATE, ... */
  type: number;
}

/**
 * Reads a `WriteBatchState` message (Fabric 3.1 chaincode_shim.proto) the way a peer's protobuf decoder would:
 * field numbers and wire types checked, unknown fields refused, so an encoding mistake fails a test instead of
 * being skipped over. For tests and the fake peer only.
 */
export function decodeWriteBatch(bytes: Uint8Array): WriteRecord[] {
  const records: WriteRecord[] = [];
  for (const [number, wireType, value] of fields(bytes)) {
    if (number !== 1 || wireType !== 2)
      throw new Error(`WriteBatchState: unexpected field ${number}/${wireType}`);
    const record: WriteRecord = { key: '', value: Buffer.alloc(0), collection: '', type: 0 };
    for (const [n, w, v] of fields(value as Uint8Array)) {
      if (n === 1 && w === 2) record.key = Buffer.from(v as Uint8Array).toString('utf8');
      else if (n === 2 && w === 2) record.value = Buffer.from(v as Uint8Array);
      else if (n === 3 && w === 2) record.collection = Buffer.from(v as Uint8Array).toString('utf8');
      else if (n === 5 && w === 0) record.type = v as number;
      else throw new Error(`WriteRecord: unexpected field ${n}/${w}`);
    }
    records.push(record);
  }
  return records;
}

/** A `GetStateMultiple` request as a peer reads it: the keys in order, and the collection ("" for public state). */
export function decodeGetStateMultiple(bytes: Uint8Array): { keys: string[]; collection: string } {
  const request = { keys: [] as string[], collection: '' };
  for (const [number, wireType, value] of fields(bytes)) {
    const text = Buffer.from(value as Uint8Array).toString('utf8');
    if (number === 1 && wireType === 2) request.keys.push(text);
    else if (number === 2 && wireType === 2) request.collection = text;
    else throw new Error(`GetStateMultiple: unexpected field ${number}/${wireType}`);
  }
  return request;
}

/** A peer's `GetStateMultipleResult`: one value per key asked, empty where the key has none. */
export function encodeGetStateMultipleResult(values: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(values.map((value) => lengthDelimitedField(1, value)));
}
