import type { Shipment } from '../scenario/scenario.types';
import { GatewayRequestError } from './gateway-client';

/** A shipment as GET /shipments/:id returns it; only what the hand-overs need. */
export interface ShipmentState {
  custodianOrg: string;
  status: string;
  pendingOffer: { toOrg: string } | null;
  custody: { action: string; byOrg: string }[];
}

/** Where a write landed: what every write route of the gateway answers. */
export interface WritePlace {
  txId: string;
  blockNumber: string;
}

/** The gateway's custody routes, each called with the API key of the organisation that acts. */
export interface CustodyGateway {
  shipment(shipmentId: string): Promise<ShipmentState>;
  openBreachIds(shipmentId: string): Promise<string[]>;
  offerCustody(fromOrg: string, shipmentId: string, toOrg: string): Promise<WritePlace>;
  acceptCustody(toOrg: string, shipmentId: string): Promise<WritePlace>;
  rejectCustody(toOrg: string, shipmentId: string, reason: string): Promise<WritePlace>;
  disposeBreaches(
    org: string,
    shipmentId: string,
    breachIds: readonly string[],
    decision: 'release' | 'quarantine' | 'destroy' | 'return',
    note: string,
  ): Promise<WritePlace>;
}

/** The gateway takes at most this many breach ids in one disposition. */
const BREACHES_PER_DISPOSITION = 200;

const DISPOSITION_NOTE =
  'cold chain broken: load held for quality review before the receiving organisation takes it over';

/**
 * Plays a scenario shipment's custody hand-overs through the gateway, in order: the custodian offers, the
 * receiving organisation accepts (or rejects, where the scenario says so). An acceptance the chaincode refuses
 * because of open compliance breaches is shown, the custodian records a `quarantine` decision for them, and the
 * acceptance is tried again: the same order of steps a logistics desk would go through.
 *
 * Safe to run again: a hand-over whose outcome is already on the ledger (the receiver holds the shipment, or
 * rejected it) is reported and skipped.
 */
export async function playHandovers(
  shipment: Shipment,
  gateway: CustodyGateway,
  out: (line: string) => void,
): Promise<void> {
  const at = (w: WritePlace): string => `block ${w.blockNumber}, transaction ${w.txId}`;
  for (const handover of shipment.handovers) {
    const { fromOrg, toOrg } = handover;
    const state = await gateway.shipment(shipment.id);
    const done = handover.rejects
      ? state.custody.some((c) => c.action === 'rejected' && c.byOrg === toOrg)
      : state.custodianOrg === toOrg;
    if (done) {
      out(`${fromOrg} → ${toOrg}: already on the ledger`);
      continue;
    }
    if (state.status === 'delivered' || state.custodianOrg !== fromOrg) {
      out(
        `${fromOrg} → ${toOrg}: skipped, ${shipment.id} is held by ${state.custodianOrg} (${state.status})`,
      );
      continue;
    }
    if (state.pendingOffer?.toOrg !== toOrg) {
      out(
        `${fromOrg} offers custody to ${toOrg} (${at(await gateway.offerCustody(fromOrg, shipment.id, toOrg))})`,
      );
    }
    if (handover.rejects) {
      const rejected = await gateway.rejectCustody(
        toOrg,
        shipment.id,
        'declined at the hand-over (scenario)',
      );
      out(`${toOrg} rejects it (${at(rejected)})`);
      continue;
    }
    try {
      out(`${toOrg} accepts custody (${at(await gateway.acceptCustody(toOrg, shipment.id))})`);
    } catch (err) {
      if (!(err instanceof GatewayRequestError && err.code === 'OPEN_BREACH')) throw err;
      out(`${toOrg} cannot accept yet: ${err.message}`);
      const open = await gateway.openBreachIds(shipment.id);
      for (let i = 0; i < open.length; i += BREACHES_PER_DISPOSITION) {
        const ids = open.slice(i, i + BREACHES_PER_DISPOSITION);
        const disposed = await gateway.disposeBreaches(
          fromOrg,
          shipment.id,
          ids,
          'quarantine',
          DISPOSITION_NOTE,
        );
        out(`${fromOrg} records "quarantine" for ${ids.length} breach(es) (${at(disposed)})`);
      }
      out(`${toOrg} accepts custody (${at(await gateway.acceptCustody(toOrg, shipment.id))})`);
    }
  }
}
