import type { Context } from 'fabric-contract-api';
import { canonicalJson, LedgerErrorCode, LedgerEvent } from '@provena/wire';
import { requireWriter } from './access';
import { attachDevices, detachDevices } from './attachment.service';
import { declareContract } from './contract-surface';
import {
  acceptCustody,
  deliverShipment,
  offerCustody,
  recordBreachDisposition,
  rejectCustody,
} from './custody.service';
import {
  readCommercialTerms,
  readCommercialTermsHash,
  storeCommercialTerms,
  transientTerms,
} from './commercial-terms';
import { requireId } from './input';
import { LedgerError } from './ledger-error';
import { KeyType, palletKey, shipmentKey } from './ledger-keys';
import { emitEvent, readRecord, readRecordPage, writeRecord } from './ledger-state';
import { recordHistory, shipmentProvenance } from './provenance.query';
import { ProvenaContract } from './provena-contract';
import { parseShipmentInput, type ShipmentRecord } from './shipment.model';
import { loadShipment, requireNotDelivered } from './shipment.state';
import { MAX_CLOCK_AHEAD_MS } from './reading-ingest';
import { openTx } from './tx-scope';

/**
 * Shipments, the devices travelling with them, two-step custody handover and breach dispositions, plus the
 * provenance queries. Contract name `shipment`.
 */
export class ShipmentContract extends ProvenaContract {
  constructor() {
    super('shipment');
  }

  /**
   * Creates a shipment; the caller's organisation becomes its owner and first custodian. Commercial terms sent in
   * the transient map are recorded in the same transaction, privately.
   */
  async CreateShipment(ctx: Context, shipmentJson: string): Promise<string> {
    const tx = openTx(ctx);
    requireWriter(tx.caller, 'create a shipment');
    const input = parseShipmentInput(shipmentJson);
    const terms = transientTerms(ctx, input.shipmentId);
    const key = shipmentKey(ctx.stub, input.shipmentId);
    if (await readRecord<ShipmentRecord>(ctx, key)) {
      throw new LedgerError(LedgerErrorCode.AlreadyExists, `shipment ${input.shipmentId} already exists`);
    }
    if (await readRecord(ctx, palletKey(ctx.stub, input.shipmentId))) {
      // A logger's reading names a shipment or a pallet in one field, so the two share one id space.
      throw new LedgerError(
        LedgerErrorCode.AlreadyExists,
        `${input.shipmentId} is a pallet id; pallets and shipments need distinct ids`,
      );
    }
    if (input.orderedAt !== undefined && input.orderedAt > tx.nowMs + MAX_CLOCK_AHEAD_MS) {
      throw new LedgerError(
        LedgerErrorCode.InvalidArgument,
        `shipment.orderedAt lies in the future (more than ${MAX_CLOCK_AHEAD_MS / 60_000} minutes after the transaction time)`,
      );
    }
    const org = tx.caller.mspId;
    const shipment: ShipmentRecord = {
      ...input,
      orderedAt: input.orderedAt ?? tx.nowMs,
      ownerOrg: org,
      custodianOrg: org,
      status: 'in-custody',
      pendingOffer: null,
      custody: [
        {
          action: 'created',
          byOrg: org,
          by: tx.caller.id,
          custodianOrg: org,
          fromOrg: null,
          toOrg: null,
          reason: null,
          txId: tx.txId,
          at: tx.nowMs,
        },
      ],
      createdAtTxId: tx.txId,
      createdAt: tx.nowMs,
    };
    await writeRecord(ctx, key, shipment);
    if (terms) await storeCommercialTerms(tx, shipment, terms);
    emitEvent(ctx, LedgerEvent.ShipmentCreated, {
      shipmentId: shipment.shipmentId,
      custodianOrg: org,
      productCode: shipment.productCode,
      quantity: shipment.quantity,
      origin: shipment.origin,
      destination: shipment.destination,
      orderedAt: shipment.orderedAt,
    });
    return canonicalJson(shipment);
  }

  /** Attaches devices to a shipment (custodian only); their readings may then name it. */
  async AttachDevices(ctx: Context, shipmentId: string, deviceIdsJson: string): Promise<string> {
    return canonicalJson({ attachments: await attachDevices(openTx(ctx), shipmentId, deviceIdsJson) });
  }

  /** Detaches devices from a shipment (custodian only). */
  async DetachDevices(ctx: Context, shipmentId: string, deviceIdsJson: string): Promise<string> {
    return canonicalJson({ attachments: await detachDevices(openTx(ctx), shipmentId, deviceIdsJson) });
  }

  /** Offers custody to another organisation (custodian only); one offer at a time. */
  async OfferCustody(ctx: Context, shipmentId: string, toOrg: string): Promise<string> {
    return canonicalJson(await offerCustody(openTx(ctx), shipmentId, toOrg));
  }

  /** Takes custody (the offered organisation only); refused with OPEN_BREACH while breaches lack a disposition. */
  async AcceptCustody(ctx: Context, shipmentId: string): Promise<string> {
    return canonicalJson(await acceptCustody(openTx(ctx), shipmentId));
  }

  /** Declines an offer (the offered organisation only). */
  async RejectCustody(ctx: Context, shipmentId: string, reason: string): Promise<string> {
    return canonicalJson(await rejectCustody(openTx(ctx), shipmentId, reason));
  }

  /** Settles breaches with a decision (custodian or owner). */
  async RecordBreachDisposition(
    ctx: Context,
    shipmentId: string,
    breachIdsJson: string,
    decision: string,
    note: string,
  ): Promise<string> {
    return canonicalJson(
      await recordBreachDisposition(openTx(ctx), shipmentId, breachIdsJson, decision, note),
    );
  }

  /** Closes the shipment at its destination (custodian only). */
  async DeliverShipment(ctx: Context, shipmentId: string): Promise<string> {
    return canonicalJson(await deliverShipment(openTx(ctx), shipmentId));
  }

  /**
   * Records or amends the shipment's commercial terms, sent in the transient map (the owner organisation, before
   * delivery). Only their hash reaches the channel.
   */
  async SetCommercialTerms(ctx: Context, shipmentId: string): Promise<string> {
    const tx = openTx(ctx);
    requireWriter(tx.caller, 'record commercial terms');
    const shipment = await loadShipment(ctx, requireId(shipmentId, 'shipmentId'));
    requireNotDelivered(shipment);
    const terms = transientTerms(ctx, shipment.shipmentId);
    if (!terms) {
      throw new LedgerError(
        LedgerErrorCode.InvalidArgument,
        'the commercial terms go in the transient map under "commercialTerms", never in the arguments',
      );
    }
    const termsHash = await storeCommercialTerms(tx, shipment, terms);
    emitEvent(ctx, LedgerEvent.CommercialTermsRecorded, {
      shipmentId: shipment.shipmentId,
      byOrg: tx.caller.mspId,
      termsHash,
    });
    return canonicalJson({ shipmentId: shipment.shipmentId, termsHash, txId: tx.txId });
  }

  /** The shipment's commercial terms, for the trading organisations only, from the caller's own peer. */
  async GetCommercialTerms(ctx: Context, shipmentId: string): Promise<string> {
    return canonicalJson(await readCommercialTerms(openTx(ctx), requireId(shipmentId, 'shipmentId')));
  }

  /** The hash of the shipment's commercial terms, for any channel member: checks a disclosed copy. */
  async GetCommercialTermsHash(ctx: Context, shipmentId: string): Promise<string> {
    return canonicalJson(await readCommercialTermsHash(openTx(ctx), requireId(shipmentId, 'shipmentId')));
  }

  /** One shipment with its custody chain. */
  async GetShipment(ctx: Context, shipmentId: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(await loadShipment(ctx, requireId(shipmentId, 'shipmentId')));
  }

  /** Shipments in id order, a page at a time. */
  async ListShipments(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(await readRecordPage<ShipmentRecord>(ctx, KeyType.Shipment, pageSize, bookmark));
  }

  /** Custody chain, attachments, breaches with dispositions and reading counts per device, with transaction ids. */
  async GetShipmentProvenance(ctx: Context, shipmentId: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(await shipmentProvenance(ctx, requireId(shipmentId, 'shipmentId')));
  }

  /** Every version of one record (device, shipment, attachment, reading, breach), newest first. */
  async GetHistory(ctx: Context, kind: string, idJson: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(await recordHistory(ctx, kind, idJson));
  }
}

const SHIPMENT_ID = 'shipment id';

declareContract(
  ShipmentContract,
  {
    title: 'shipment',
    description: 'Shipments, attached devices, two-step custody, breach dispositions and provenance queries',
    version: '0.1.0',
  },
  {
    CreateShipment: {
      submit: true,
      params: {
        shipmentJson:
          'JSON {shipmentId, productCode, quantity, origin, destination, complianceProfile?, orderedAt?}; the caller becomes owner and custodian; optional commercial terms in the transient map under "commercialTerms"',
      },
    },
    AttachDevices: {
      submit: true,
      params: { shipmentId: SHIPMENT_ID, deviceIdsJson: 'JSON array of 1 to 100 device ids' },
    },
    DetachDevices: {
      submit: true,
      params: { shipmentId: SHIPMENT_ID, deviceIdsJson: 'JSON array of 1 to 100 device ids' },
    },
    OfferCustody: { submit: true, params: { shipmentId: SHIPMENT_ID, toOrg: 'MSP id of the receiver' } },
    AcceptCustody: { submit: true, params: { shipmentId: SHIPMENT_ID } },
    RejectCustody: { submit: true, params: { shipmentId: SHIPMENT_ID, reason: 'why, free text' } },
    RecordBreachDisposition: {
      submit: true,
      params: {
        shipmentId: SHIPMENT_ID,
        breachIdsJson: 'JSON array of breach ids <deviceId>/<seq>/<rule>',
        decision: 'release | quarantine | destroy | return',
        note: 'free text, may be empty',
      },
    },
    DeliverShipment: { submit: true, params: { shipmentId: SHIPMENT_ID } },
    SetCommercialTerms: { submit: true, params: { shipmentId: SHIPMENT_ID } },
    GetCommercialTerms: { submit: false, params: { shipmentId: SHIPMENT_ID } },
    GetCommercialTermsHash: { submit: false, params: { shipmentId: SHIPMENT_ID } },
    GetShipment: { submit: false, params: { shipmentId: SHIPMENT_ID } },
    ListShipments: {
      submit: false,
      params: {
        pageSize: 'positive integer, served at most 200',
        bookmark: 'from the previous page; "" first',
      },
    },
    GetShipmentProvenance: { submit: false, params: { shipmentId: SHIPMENT_ID } },
    GetHistory: {
      submit: false,
      params: {
        kind: 'device | shipment | attachment | reading | breach',
        idJson: 'JSON naming the record, e.g. {"deviceId":"d1","seq":7} for a reading',
      },
    },
  },
);
