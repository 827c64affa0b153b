import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  RefusalCode,
  WireError,
  parseDevicePublicKey,
  verifyReadingSignature,
  type SignedReading,
} from '@provena/wire';
import { GATEWAY_CONFIG } from '../../config/config.token';
import type { GatewayConfig } from '../../config/gateway-config';
import { GatewayError, GatewayErrorCode } from '../../errors/gateway-error';
import { LEDGER, type LedgerActor, type LedgerPort } from '../../ledger/ledger.port';
import { actorOf, type Principal } from '../auth/principal';
import { mapBounded } from '../provenance/bounded-map';
import { TRANSACTION_LOOKUP_CONCURRENCY } from '../provenance/provenance.service';
import type { PageQuery } from '../validation/request.schemas';
import {
  CaptureRefusalCode,
  checkCaptureDocument,
  eventPath,
  judgeEvent,
  type CaptureEventResult,
  type EdgeVerdict,
} from './epcis-capture';
import {
  shipmentDocument,
  transactionsOf,
  type EpcisDocument,
  type RecordedReading,
  type ShipmentFacts,
} from './epcis-export';

/**
 * How far a device clock may run ahead, when the gateway's configuration is not in the module (the API tested on
 * its own): the chaincode's own limit, which PROVENA_INGEST_MAX_CLOCK_AHEAD_MS defaults to.
 */
const DEFAULT_MAX_CLOCK_AHEAD_MS = 300_000;

/** What capture answers: counts, the transaction it submitted (if any), and one result per event. */
export interface CaptureResult {
  accepted: number;
  duplicates: number;
  refused: number;
  /** The RecordReadings transaction and its block; null when no event reached the ledger. */
  txId: string | null;
  blockNumber: string | null;
  events: CaptureEventResult[];
}

/** One page of a shipment's EPCIS export and the bookmark of the next (null on the last). */
export interface ExportedPage {
  document: EpcisDocument;
  nextBookmark: string | null;
}

// The fields of the chaincode's records this service reads.
interface ReadingsPage {
  items: RecordedReading[];
  bookmark: string;
}
interface DeviceKeys {
  status: 'active' | 'revoked';
  keys: { publicKeyPem: string; fromSeq: number }[];
}
interface Verdict {
  deviceId: string | null;
  seq: number | null;
  status: 'accepted' | 'duplicate' | 'refused';
  code?: string;
  reason?: string;
}

const isNotFound = (err: unknown): boolean =>
  err instanceof GatewayError && err.code === GatewayErrorCode.NotFound;

/**
 * GS1 EPCIS 2.0 over the ledger: a shipment's custody chain and readings as an EPCISDocument, and partners'
 * documents captured as device-signed readings through the chaincode's RecordReadings, the function MQTT ingest
 * uses. Every ledger call is made as the caller, so an auditor's export comes from the auditor's own peer and a
 * capture is endorsed as the capturing organisation's.
 */
@Injectable()
export class EpcisService {
  readonly #maxClockAheadMs: number;

  constructor(
    @Inject(LEDGER) private readonly ledger: LedgerPort,
    @Optional() @Inject(GATEWAY_CONFIG) config?: GatewayConfig,
  ) {
    this.#maxClockAheadMs = config?.ingest.maxClockAheadMs ?? DEFAULT_MAX_CLOCK_AHEAD_MS;
  }

  /**
   * One page of the shipment as an EPCISDocument: the custody events on the first page, then `page.pageSize`
   * readings per page in (device, sequence) order, each event with its transaction's block.
   * @throws {@link GatewayError} NOT_FOUND for an unknown shipment.
   */
  async exportShipment(principal: Principal, shipmentId: string, page: PageQuery): Promise<ExportedPage> {
    const actor = actorOf(principal);
    const first = page.bookmark === '';
    const [shipment, readings] = await Promise.all([
      first ? this.ledger.evaluate<ShipmentFacts>(actor, 'shipment:GetShipment', [shipmentId]) : null,
      this.ledger.evaluate<ReadingsPage>(actor, 'reading:GetReadingsByShipment', [
        shipmentId,
        String(page.pageSize),
        page.bookmark,
      ]),
    ]);
    // A full page may be the last; the next one is then empty, which costs a query but never loses a reading.
    const nextBookmark =
      readings.items.length >= page.pageSize && readings.bookmark !== '' ? readings.bookmark : null;
    const txIds = transactionsOf(shipment, readings.items);
    const places = await mapBounded(txIds, TRANSACTION_LOOKUP_CONCURRENCY, (txId) =>
      this.#blockOf(actor, txId),
    );
    const blocks = new Map(txIds.map((txId, i) => [txId, places[i] ?? null]));
    const document = shipmentDocument({
      shipment,
      readings: readings.items,
      blocks,
      nowMs: Date.now(),
      nextBookmark,
    });
    return { document, nextBookmark };
  }

  /**
   * Captures an EPCIS 2.0 document: checks it at the edge (document, then each event: schema, type, signed
   * envelope, standard fields against it, clock, device signature), then records the events that passed in one
   * RecordReadings transaction, whose chaincode checks each reading again and answers per reading.
   * @throws {@link GatewayError} VALIDATION_FAILED for a document that is not EPCIS 2.0 or too large (no ledger
   * call is made); LEDGER_UNAVAILABLE or COMMIT_FAILED when the transaction could not be recorded (capturing the
   * same document again is safe: what was recorded is answered `duplicate`).
   */
  async capture(principal: Principal, body: unknown): Promise<CaptureResult> {
    const actor = actorOf(principal);
    const { events } = checkCaptureDocument(body);
    const nowMs = Date.now();
    const verdicts = events.map((event, index) => judgeEvent(event, index, nowMs, this.#maxClockAheadMs));
    const results = new Array<CaptureEventResult>(events.length);

    const readings = await this.#checkSignatures(
      actor,
      verdicts.flatMap((v) => (v.kind === 'reading' ? [v] : [])),
      results,
    );
    await this.#answerCustody(
      actor,
      verdicts.flatMap((v) => (v.kind === 'custody' ? [v] : [])),
      results,
    );
    for (const v of verdicts) if (v.kind === 'refused') results[v.result.index] = v.result;

    let txId: string | null = null;
    let blockNumber: string | null = null;
    if (readings.length > 0) {
      const committed = await this.ledger.submit<{ verdicts: Verdict[] }>(actor, 'reading:RecordReadings', [
        JSON.stringify(readings.map((r) => r.signed)),
      ]);
      const ledgerVerdicts = committed.result.verdicts;
      if (ledgerVerdicts.length !== readings.length) {
        throw new GatewayError(
          GatewayErrorCode.Internal,
          `RecordReadings returned ${ledgerVerdicts.length} verdicts for ${readings.length} readings`,
        );
      }
      txId = committed.txId;
      blockNumber = committed.blockNumber.toString();
      readings.forEach((r, i) => {
        const verdict = ledgerVerdicts[i] as Verdict;
        const { deviceId, seq } = r.signed.reading;
        results[r.index] = {
          index: r.index,
          eventID: r.eventID,
          deviceId,
          seq,
          status: verdict.status,
          ...(verdict.status === 'refused'
            ? {
                code: (verdict.code ?? CaptureRefusalCode.SchemaViolation) as CaptureRefusalCode,
                reason: verdict.reason ?? 'refused by the chaincode',
                path: eventPath(r.index),
              }
            : verdict.status === 'accepted' && { txId: committed.txId }),
        };
      });
    }
    const count = (status: CaptureEventResult['status']) => results.filter((r) => r.status === status).length;
    return {
      accepted: count('accepted'),
      duplicates: count('duplicate'),
      refused: count('refused'),
      txId,
      blockNumber,
      events: results,
    };
  }

  /**
   * The device-signature check of the edge, against each device's keys as the ledger holds them now (one query
   * per device of the document). Refusals go to `results`; what verifies is returned, in document order.
   */
  async #checkSignatures(
    actor: LedgerActor,
    readings: Extract<EdgeVerdict, { kind: 'reading' }>[],
    results: CaptureEventResult[],
  ): Promise<Extract<EdgeVerdict, { kind: 'reading' }>[]> {
    const deviceIds = [...new Set(readings.map((r) => r.signed.reading.deviceId))];
    const devices = await mapBounded(deviceIds, TRANSACTION_LOOKUP_CONCURRENCY, (deviceId) =>
      this.#device(actor, deviceId),
    );
    const byId = new Map(deviceIds.map((id, i) => [id, devices[i]]));
    return readings.filter((r) => {
      const refusal = signatureRefusal(r.signed, byId.get(r.signed.reading.deviceId));
      if (refusal === undefined) return true;
      const { deviceId, seq } = r.signed.reading;
      results[r.index] = {
        index: r.index,
        eventID: r.eventID,
        deviceId,
        seq,
        status: 'refused',
        code: refusal.code,
        reason: refusal.reason,
        path: `${eventPath(r.index)}/provena:signature`,
      };
      return false;
    });
  }

  /**
   * Provena's own custody events, when an exported document is captured again: `duplicate` when the ledger holds
   * that very step (same transaction and action), else refused, since custody is never recorded by capture.
   */
  async #answerCustody(
    actor: LedgerActor,
    custody: Extract<EdgeVerdict, { kind: 'custody' }>[],
    results: CaptureEventResult[],
  ): Promise<void> {
    const shipmentIds = [...new Set(custody.map((c) => c.shipmentId))];
    const shipments = await mapBounded(shipmentIds, TRANSACTION_LOOKUP_CONCURRENCY, async (id) => {
      try {
        return await this.ledger.evaluate<ShipmentFacts>(actor, 'shipment:GetShipment', [id]);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    });
    const byId = new Map(shipmentIds.map((id, i) => [id, shipments[i]]));
    for (const c of custody) {
      const onLedger = byId
        .get(c.shipmentId)
        ?.custody.some((step) => step.txId === c.txId && step.action === c.action);
      results[c.index] = {
        index: c.index,
        eventID: c.eventID,
        deviceId: null,
        seq: null,
        ...(onLedger
          ? { status: 'duplicate', txId: c.txId }
          : {
              status: 'refused',
              code: CaptureRefusalCode.CustodyNotCaptured,
              reason: `shipment ${c.shipmentId} has no ${c.action} step in transaction ${c.txId}; custody is recorded through /shipments/{id}/custody/*, not by capture`,
              path: eventPath(c.index),
            }),
      };
    }
  }

  async #device(actor: LedgerActor, deviceId: string): Promise<DeviceKeys | undefined> {
    try {
      return await this.ledger.evaluate<DeviceKeys>(actor, 'device:GetDevice', [deviceId]);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async #blockOf(actor: LedgerActor, txId: string): Promise<string | null> {
    try {
      return (await this.ledger.transactionInfo(actor, txId)).blockNumber.toString();
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }
}

/**
 * Why a reading's signature does not verify with the key its device had for its sequence number (keys ascend
 * by `fromSeq`; the last one not above `seq`), or undefined when it does. A revoked device is left to the
 * chaincode, which still answers a replay of an earlier reading `duplicate`.
 */
export function signatureRefusal(
  signed: SignedReading,
  device: DeviceKeys | undefined,
): { code: CaptureRefusalCode; reason: string } | undefined {
  const { deviceId, seq } = signed.reading;
  if (device === undefined) {
    return { code: RefusalCode.UnknownDevice, reason: `no device ${deviceId} is registered` };
  }
  const key = device.keys.filter((k) => k.fromSeq <= seq).at(-1);
  if (key === undefined) {
    return { code: RefusalCode.BadSignature, reason: `device ${deviceId} has no key for sequence ${seq}` };
  }
  try {
    verifyReadingSignature(signed.reading, signed.signature, parseDevicePublicKey(key.publicKeyPem));
    return undefined;
  } catch (err) {
    if (err instanceof WireError) return { code: err.code, reason: err.reason };
    throw err;
  }
}
