import { Inject, Injectable } from '@nestjs/common';
import { LEDGER, type LedgerPort } from '../../ledger/ledger.port';
import { actorOf, type Principal } from '../auth/principal';
import { writeResponse, type LedgerRecord, type WriteResponse } from '../ledger-response';
import type { PageQuery } from '../validation/request.schemas';
import type {
  CaseList,
  CreatePallet,
  OfferPalletCustody,
  PalletDeviceList,
  RejectPalletCustody,
} from './pallets.dto';

/**
 * Pallets on the ledger's `pallet` contract. Who may pack, unpack or hand over (the custodian of the pallet and
 * of every case, the organisation offered custody) is the chaincode's decision; its FORBIDDEN names who may.
 */
@Injectable()
export class PalletsService {
  constructor(@Inject(LEDGER) private readonly ledger: LedgerPort) {}

  async #submit(principal: Principal, fn: string, args: string[]): Promise<WriteResponse> {
    return writeResponse(await this.ledger.submit<LedgerRecord>(actorOf(principal), fn, args));
  }

  /** Creates an empty pallet owned and held by the caller's organisation. */
  create(principal: Principal, body: CreatePallet): Promise<WriteResponse> {
    return this.#submit(principal, 'pallet:CreatePallet', [JSON.stringify(body)]);
  }

  /** One pallet with its contents and history. */
  get(principal: Principal, palletId: string): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'pallet:GetPallet', [palletId]);
  }

  /** Packs cases onto the pallet. */
  pack(principal: Principal, palletId: string, body: CaseList): Promise<WriteResponse> {
    return this.#submit(principal, 'pallet:PackCases', [palletId, JSON.stringify(body.caseIds)]);
  }

  /** Takes cases off the pallet. */
  unpack(principal: Principal, palletId: string, body: CaseList): Promise<WriteResponse> {
    return this.#submit(principal, 'pallet:UnpackCases', [palletId, JSON.stringify(body.caseIds)]);
  }

  /** Pallets in id order, a page at a time. */
  list(principal: Principal, page: PageQuery): Promise<LedgerRecord> {
    return this.ledger.evaluate(actorOf(principal), 'pallet:ListPallets', [
      String(page.pageSize),
      page.bookmark,
    ]);
  }

  /** Attaches loggers to the pallet. */
  attach(principal: Principal, palletId: string, body: PalletDeviceList): Promise<WriteResponse> {
    return this.#submit(principal, 'pallet:AttachDevices', [palletId, JSON.stringify(body.deviceIds)]);
  }

  /** Detaches loggers from the pallet: their readings naming it are refused from then on. */
  detach(principal: Principal, palletId: string, body: PalletDeviceList): Promise<WriteResponse> {
    return this.#submit(principal, 'pallet:DetachDevices', [palletId, JSON.stringify(body.deviceIds)]);
  }

  /** Offers custody of the pallet and its cases to another organisation. */
  offerCustody(principal: Principal, palletId: string, body: OfferPalletCustody): Promise<WriteResponse> {
    return this.#submit(principal, 'pallet:OfferCustody', [palletId, body.toOrg]);
  }

  /** Takes custody of the pallet and every case on it. */
  acceptCustody(principal: Principal, palletId: string): Promise<WriteResponse> {
    return this.#submit(principal, 'pallet:AcceptCustody', [palletId]);
  }

  /** Declines an offer. */
  rejectCustody(principal: Principal, palletId: string, body: RejectPalletCustody): Promise<WriteResponse> {
    return this.#submit(principal, 'pallet:RejectCustody', [palletId, body.reason]);
  }
}
