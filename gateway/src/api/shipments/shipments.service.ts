import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  COMMERCIAL_TERMS_TRANSIENT_KEY,
  commercialTermsDocument,
  commercialTermsHash,
  type CommercialTerms,
} from '@provena/wire';
import { LEDGER, type LedgerPort, type SubmitOptions } from '../../ledger/ledger.port';
import { actorOf, type Principal } from '../auth/principal';
import { writeResponse, type LedgerRecord, type WriteResponse } from '../ledger-response';
import type { PageQuery } from '../validation/request.schemas';
import type {
  BreachDisposition,
  CommercialTermsInput,
  CreateShipment,
  DisclosedTerms,
  DeviceList,
  OfferCustody,
  RejectCustody,
} from './shipments.dto';

/**
 * Shipments on the ledger's `shipment` contract. Who may act on which shipment (custodian, owner, the
 * organisation offered custody) is the chaincode's decision; its FORBIDDEN names who may.
 */
@Injectable()
export class ShipmentsService {
  constructor(@Inject(LEDGER) private readonly ledger: LedgerPort) {}

  async #submit(
    principal: Principal,
    fn: string,
    args: string[],
    options?: SubmitOptions,
  ): Promise<WriteResponse> {
    return writeResponse(await this.ledger.submit<LedgerRecord>(actorOf(principal), fn, args, options));
  }

  /**
   * Creates a shipment owned and held by the caller's organisation; its commercial terms, when given, travel in
   * the transient map of the same proposal, never in its arguments.
   */
  create(principal: Principal, body: CreateShipment): Promise<WriteResponse> {
    const { commercialTerms, ...shipment } = body;
    return this.#submit(
      principal,
      'shipment:CreateShipment',
      [JSON.stringify(shipment)],
      commercialTerms && privately(withSalt(shipment.shipmentId, commercialTerms)),
    );
  }

  /** Records or amends the commercial terms (the owner organisation, before delivery). */
  setCommercialTerms(
    principal: Principal,
    shipmentId: string,
    body: CommercialTermsInput,
  ): Promise<WriteResponse> {
    return this.#submit(
      principal,
      'shipment:SetCommercialTerms',
      [shipmentId],
      privately(withSalt(shipmentId, body)),
    );
  }

  /** The terms, read from the caller's own organisation's peer (trading organisations only). */
  commercialTerms(principal: Principal, shipmentId: string): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'shipment:GetCommercialTerms', [shipmentId]);
  }

  /** The hash every block carries in place of the terms. */
  commercialTermsHash(principal: Principal, shipmentId: string): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'shipment:GetCommercialTermsHash', [shipmentId]);
  }

  /**
   * Checks a disclosed copy of the terms against the hash on the caller's own organisation's peer: the
   * auditor's check, which needs nothing from the trading organisations but the copy they disclosed.
   */
  async verifyDisclosedTerms(
    principal: Principal,
    shipmentId: string,
    body: DisclosedTerms,
  ): Promise<DisclosedTermsCheck> {
    const { termsHash } = await this.ledger.evaluate<{ termsHash: string }>(
      actorOf(principal),
      'shipment:GetCommercialTermsHash',
      [shipmentId],
    );
    const disclosedHash = commercialTermsHash(body.terms);
    const matches = body.terms.shipmentId === shipmentId && disclosedHash === termsHash;
    return { shipmentId, matches, termsHash, disclosedHash };
  }

  /** Shipments in id order, a page at a time. */
  list(principal: Principal, page: PageQuery): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'shipment:ListShipments', [
      String(page.pageSize),
      page.bookmark,
    ]);
  }

  /** One shipment with its custody chain. */
  get(principal: Principal, shipmentId: string): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'shipment:GetShipment', [shipmentId]);
  }

  /** Attaches devices (custodian only); their readings may then name the shipment. */
  attach(principal: Principal, shipmentId: string, body: DeviceList): Promise<WriteResponse> {
    return this.#submit(principal, 'shipment:AttachDevices', [shipmentId, JSON.stringify(body.deviceIds)]);
  }

  /** Detaches devices (custodian only). */
  detach(principal: Principal, shipmentId: string, body: DeviceList): Promise<WriteResponse> {
    return this.#submit(principal, 'shipment:DetachDevices', [shipmentId, JSON.stringify(body.deviceIds)]);
  }

  /** Offers custody to another organisation (custodian only). */
  offerCustody(principal: Principal, shipmentId: string, body: OfferCustody): Promise<WriteResponse> {
    return this.#submit(principal, 'shipment:OfferCustody', [shipmentId, body.toOrg]);
  }

  /** Takes custody (the organisation offered it only). */
  acceptCustody(principal: Principal, shipmentId: string): Promise<WriteResponse> {
    return this.#submit(principal, 'shipment:AcceptCustody', [shipmentId]);
  }

  /** Declines an offer (the organisation offered it only). */
  rejectCustody(principal: Principal, shipmentId: string, body: RejectCustody): Promise<WriteResponse> {
    return this.#submit(principal, 'shipment:RejectCustody', [shipmentId, body.reason]);
  }

  /** Settles breaches with one decision (custodian or owner). */
  recordBreachDisposition(
    principal: Principal,
    shipmentId: string,
    body: BreachDisposition,
  ): Promise<WriteResponse> {
    return this.#submit(principal, 'shipment:RecordBreachDisposition', [
      shipmentId,
      JSON.stringify(body.breachIds),
      body.decision,
      body.note,
    ]);
  }

  /** Closes the shipment at its destination (custodian only). */
  deliver(principal: Principal, shipmentId: string): Promise<WriteResponse> {
    return this.#submit(principal, 'shipment:DeliverShipment', [shipmentId]);
  }
}

/** The outcome of checking a disclosed copy of commercial terms. */
export interface DisclosedTermsCheck {
  shipmentId: string;
  /** True only when the disclosed copy is, byte for byte once canonical, the document the peers hashed. */
  matches: boolean;
  termsHash: string;
  disclosedHash: string;
}

function withSalt(shipmentId: string, body: CommercialTermsInput): CommercialTerms {
  return { ...body, shipmentId, salt: body.salt ?? randomBytes(16).toString('base64url') };
}

function privately(terms: CommercialTerms): SubmitOptions {
  return {
    transient: { [COMMERCIAL_TERMS_TRANSIENT_KEY]: Buffer.from(commercialTermsDocument(terms), 'utf8') },
  };
}
