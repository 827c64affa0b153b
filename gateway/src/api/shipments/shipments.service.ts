import { Inject, Injectable } from '@nestjs/common';
import { LEDGER, type LedgerPort } from '../../ledger/ledger.port';
import { actorOf, type Principal } from '../auth/principal';
import { writeResponse, type LedgerRecord, type WriteResponse } from '../ledger-response';
import type { PageQuery } from '../validation/request.schemas';
import type {
  BreachDisposition,
  CreateShipment,
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

  async #submit(principal: Principal, fn: string, args: string[]): Promise<WriteResponse> {
    return writeResponse(await this.ledger.submit<LedgerRecord>(actorOf(principal), fn, args));
  }

  /** Creates a shipment owned and held by the caller's organisation. */
  create(principal: Principal, body: CreateShipment): Promise<WriteResponse> {
    return this.#submit(principal, 'shipment:CreateShipment', [JSON.stringify(body)]);
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
