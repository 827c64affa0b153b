import type { Shipment } from '../scenario/scenario.types';
import { playHandovers, type CustodyGateway, type ShipmentState } from './custody-handovers';
import { GatewayRequestError } from './gateway-client';

/** The chaincode's custody rules, in memory: offers, acceptance blocked by open breaches, dispositions. */
function fakeGateway(openBreaches: string[]) {
  const state: ShipmentState = {
    custodianOrg: 'ProducerMSP',
    status: 'in-custody',
    pendingOffer: null,
    custody: [{ action: 'created', byOrg: 'ProducerMSP' }],
  };
  let open = [...openBreaches];
  let block = 10;
  const calls: string[] = [];
  const place = () => ({ txId: `tx${block}`, blockNumber: String(block++) });
  const gateway: CustodyGateway = {
    shipment: async () => structuredClone(state),
    openBreachIds: async () => [...open],
    offerCustody: async (fromOrg, _id, toOrg) => {
      calls.push(`offer ${fromOrg}→${toOrg}`);
      state.pendingOffer = { toOrg };
      state.custody.push({ action: 'offered', byOrg: fromOrg });
      return place();
    },
    acceptCustody: async (toOrg) => {
      calls.push(`accept ${toOrg}`);
      if (open.length > 0) {
        throw new GatewayRequestError(409, 'OPEN_BREACH', `${open.length} breach(es) without a disposition`);
      }
      state.custodianOrg = toOrg;
      state.pendingOffer = null;
      state.custody.push({ action: 'accepted', byOrg: toOrg });
      return place();
    },
    rejectCustody: async (toOrg) => {
      calls.push(`reject ${toOrg}`);
      state.pendingOffer = null;
      state.custody.push({ action: 'rejected', byOrg: toOrg });
      return place();
    },
    disposeBreaches: async (org, _id, ids, decision) => {
      calls.push(`dispose ${org} ${ids.length} ${decision}`);
      open = open.filter((id) => !ids.includes(id));
      return place();
    },
  };
  return { gateway, calls, state };
}

const shipment = (rejects = false): Shipment => ({
  id: 'SHP-1',
  productId: 'vaccine',
  quantity: 1,
  originOrg: 'ProducerMSP',
  destinationOrg: 'CarrierMSP',
  routeId: 'r',
  departAtMs: 0,
  arriveAtMs: 1,
  compliance: {},
  handovers: [{ atMs: 1, fromOrg: 'ProducerMSP', toOrg: 'CarrierMSP', rejects }],
});

it('offers, shows the acceptance refused for open breaches, records a decision for each, then accepts', async () => {
  const breaches = Array.from({ length: 230 }, (_, i) => `logger/${i + 1}/temperatureC.max`);
  const { gateway, calls, state } = fakeGateway(breaches);
  const lines: string[] = [];
  await playHandovers(shipment(), gateway, (l) => lines.push(l));
  expect(calls).toEqual([
    'offer ProducerMSP→CarrierMSP',
    'accept CarrierMSP',
    // The gateway takes at most 200 breach ids per decision.
    'dispose ProducerMSP 200 quarantine',
    'dispose ProducerMSP 30 quarantine',
    'accept CarrierMSP',
  ]);
  expect(state.custodianOrg).toBe('CarrierMSP');
  expect(lines[1]).toContain('CarrierMSP cannot accept yet: 409 OPEN_BREACH');
  expect(lines.at(-1)).toBe('CarrierMSP accepts custody (block 13, transaction tx13)');
});

it('changes nothing when the hand-over is already on the ledger', async () => {
  const { gateway, calls } = fakeGateway([]);
  await playHandovers(shipment(), gateway, () => undefined);
  const lines: string[] = [];
  await playHandovers(shipment(), gateway, (l) => lines.push(l));
  expect(calls).toEqual(['offer ProducerMSP→CarrierMSP', 'accept CarrierMSP']);
  expect(lines).toEqual(['ProducerMSP → CarrierMSP: already on the ledger']);
});

it('plays a rejected hand-over once, leaving custody with the sender', async () => {
  const { gateway, calls, state } = fakeGateway([]);
  await playHandovers(shipment(true), gateway, () => undefined);
  await playHandovers(shipment(true), gateway, () => undefined);
  expect(calls).toEqual(['offer ProducerMSP→CarrierMSP', 'reject CarrierMSP']);
  expect(state.custodianOrg).toBe('ProducerMSP');
});

it('lets any other refusal through', async () => {
  const { gateway } = fakeGateway([]);
  gateway.acceptCustody = async () => {
    throw new GatewayRequestError(403, 'FORBIDDEN', 'not yours');
  };
  await expect(playHandovers(shipment(), gateway, () => undefined)).rejects.toThrow('403 FORBIDDEN');
});
