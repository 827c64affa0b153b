import { Inject, Injectable } from '@nestjs/common';
import { LEDGER, type LedgerPort } from '../ledger/ledger.port';
import { actorOf, type Principal } from '../api/auth/principal';
import type { PageQuery } from '../api/validation/request.schemas';

/** A shipment as the dashboard lists it: where it is, who holds it, and how many breaches await a decision. */
export interface ShipmentOverview {
  shipmentId: string;
  productCode: string;
  quantity: number;
  origin: string;
  destination: string;
  ownerOrg: string;
  custodianOrg: string;
  status: string;
  breaches: number;
  openBreaches: number;
}

/** One page of {@link ShipmentOverview}s, with the bookmark of the next ('' at the end). */
export interface ShipmentOverviewPage {
  items: ShipmentOverview[];
  bookmark: string;
}

interface ShipmentRecordView {
  shipmentId: string;
  productCode: string;
  quantity: number;
  origin: string;
  destination: string;
  ownerOrg: string;
  custodianOrg: string;
  status: string;
}

/**
 * Breach counts are queried a few shipments at a time: each is one chaincode query (no block look-ups), and a page
 * of them should not crowd out ingest's calls to the same peer.
 */
const BREACH_QUERIES_IN_FLIGHT = 4;

/**
 * What the dashboard's shipment list needs in one request: `ListShipments` does not carry breach counts, and
 * the browser asking `/shipments/{id}/provenance` per row would also look up every transaction's block.
 */
@Injectable()
export class DashboardOverviewService {
  constructor(@Inject(LEDGER) private readonly ledger: LedgerPort) {}

  async shipments(principal: Principal, page: PageQuery): Promise<ShipmentOverviewPage> {
    const actor = actorOf(principal);
    const listed = await this.ledger.evaluate<{ items: ShipmentRecordView[]; bookmark: string }>(
      actor,
      'shipment:ListShipments',
      [String(page.pageSize), page.bookmark],
    );
    const items: ShipmentOverview[] = new Array<ShipmentOverview>(listed.items.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < listed.items.length) {
        const i = next++;
        const s = listed.items[i]!;
        const provenance = await this.ledger.evaluate<{ breaches: unknown[]; openBreaches: number }>(
          actor,
          'shipment:GetShipmentProvenance',
          [s.shipmentId],
        );
        items[i] = {
          shipmentId: s.shipmentId,
          productCode: s.productCode,
          quantity: s.quantity,
          origin: s.origin,
          destination: s.destination,
          ownerOrg: s.ownerOrg,
          custodianOrg: s.custodianOrg,
          status: s.status,
          breaches: provenance.breaches.length,
          openBreaches: provenance.openBreaches,
        };
      }
    };
    await Promise.all(Array.from({ length: BREACH_QUERIES_IN_FLIGHT }, worker));
    // A page shorter than asked is the last one, whatever bookmark the chaincode returns with it.
    return { items, bookmark: listed.items.length < page.pageSize ? '' : listed.bookmark };
  }
}
