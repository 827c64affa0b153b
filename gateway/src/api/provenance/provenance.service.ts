import { Inject, Injectable } from '@nestjs/common';
import {
  parseDevicePublicKey,
  readingHash,
  verifyReadingSignature,
  WireError,
  type Reading,
} from '@provena/wire';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { LEDGER, type LedgerActor, type LedgerPort, type TransactionInfo } from '../../ledger/ledger.port';
import { actorOf, type Principal } from '../auth/principal';
import type { LedgerRecord } from '../ledger-response';
import { mapBounded } from './bounded-map';
import { transactionIdsOf } from './transaction-ids';

/**
 * Transaction look-ups in flight at once for one provenance request. A shipment's provenance can name hundreds of
 * transactions; each look-up is a query to the peer, and a few in parallel keep the answer quick without one
 * auditor's request crowding out ingest's.
 */
export const TRANSACTION_LOOKUP_CONCURRENCY = 8;

/** Where a transaction is on the ledger; nulls when no block holds it (which an auditor should see, not miss). */
export interface TransactionPlace {
  blockNumber: string | null;
  validationCode: string | null;
}

/** The chaincode's provenance of a shipment, with the block and validation code of every transaction it names. */
export type ShipmentProvenanceView = LedgerRecord & { transactions: Record<string, TransactionPlace> };

/** An auditor's check of one recorded reading, redone by the gateway from what the ledger holds. */
export interface ReadingVerification {
  deviceId: string;
  seq: number;
  /** The device's signature over the stored reading verifies with the key that covered its sequence number. */
  signatureValid: boolean;
  /** The stored hash is the SHA-256 of the stored reading's canonical bytes. */
  hashValid: boolean;
  /** The `fromSeq` of the key used; null if no key covers the sequence number. */
  keyFromSeq: number | null;
  publicKeyPem: string | null;
  /** The RecordReadings transaction that recorded the reading, and where it is. */
  txId: string;
  blockNumber: string | null;
  validationCode: string | null;
}

// The fields of the chaincode's records that verification reads.
interface StoredReading {
  reading: Reading;
  signature: string;
  hash: string;
  txId: string;
}
interface DeviceKeys {
  keys: { publicKeyPem: string; fromSeq: number }[];
}

/** Provenance for auditors (and anyone with a key): facts with their transactions' places on the ledger. */
@Injectable()
export class ProvenanceService {
  constructor(@Inject(LEDGER) private readonly ledger: LedgerPort) {}

  /** The shipment's provenance plus, for each distinct transaction in it, its block and validation code. */
  async shipmentProvenance(principal: Principal, shipmentId: string): Promise<ShipmentProvenanceView> {
    const actor = actorOf(principal);
    const provenance = await this.ledger.evaluate<LedgerRecord>(actor, 'shipment:GetShipmentProvenance', [
      shipmentId,
    ]);
    const txIds = transactionIdsOf(provenance);
    const places = await mapBounded(txIds, TRANSACTION_LOOKUP_CONCURRENCY, (txId) =>
      this.#place(actor, txId),
    );
    const transactions: Record<string, TransactionPlace> = {};
    txIds.forEach((txId, i) => {
      transactions[txId] = places[i] as TransactionPlace;
    });
    return { ...provenance, transactions };
  }

  /**
   * Re-verifies a recorded reading's signature with the device key that covered its sequence number (keys are
   * ascending by `fromSeq`; the last one not above `seq`), and finds its transaction on the ledger.
   * @throws {@link GatewayError} NOT_FOUND for an unknown device or reading.
   */
  async verifyReading(principal: Principal, deviceId: string, seq: number): Promise<ReadingVerification> {
    const actor = actorOf(principal);
    const [stored, device] = await Promise.all([
      this.ledger.evaluate<StoredReading>(actor, 'reading:GetReading', [deviceId, String(seq)]),
      this.ledger.evaluate<DeviceKeys>(actor, 'device:GetDevice', [deviceId]),
    ]);
    const key = device.keys.filter((k) => k.fromSeq <= seq).at(-1);
    const place = await this.#place(actor, stored.txId);
    return {
      deviceId,
      seq,
      signatureValid: key !== undefined && signatureVerifies(stored, key.publicKeyPem),
      hashValid: readingHash(stored.reading) === stored.hash,
      keyFromSeq: key?.fromSeq ?? null,
      publicKeyPem: key?.publicKeyPem ?? null,
      txId: stored.txId,
      ...place,
    };
  }

  /** Asked as the caller, so an auditor's answer comes from its own organisation's peer, as the facts do. */
  async #place(actor: LedgerActor, txId: string): Promise<TransactionPlace> {
    let info: TransactionInfo;
    try {
      info = await this.ledger.transactionInfo(actor, txId);
    } catch (err) {
      if (err instanceof GatewayError && err.code === GatewayErrorCode.NotFound) {
        return { blockNumber: null, validationCode: null };
      }
      throw err;
    }
    return { blockNumber: info.blockNumber.toString(), validationCode: info.validationCode };
  }
}

// A malformed key or signature is a failed verification to report, not an error of the request.
function signatureVerifies(stored: StoredReading, publicKeyPem: string): boolean {
  try {
    verifyReadingSignature(stored.reading, stored.signature, parseDevicePublicKey(publicKeyPem));
    return true;
  } catch (err) {
    if (err instanceof WireError) return false;
    throw err;
  }
}
