import type { Context } from 'fabric-contract-api';
import { canonicalJson } from '@provena/wire';
import { declareContract } from './contract-surface';
import { requireId } from './input';
import { KeyType } from './ledger-keys';
import { readRecordPage } from './ledger-state';
import type { PalletRecord } from './pallet.model';
import { ProvenaContract } from './provena-contract';
import {
  acceptPalletCustody,
  attachPalletDevices,
  createPallet,
  detachPalletDevices,
  loadPallet,
  offerPalletCustody,
  palletAttachments,
  packCases,
  rejectPalletCustody,
  unpackCases,
} from './pallet.service';
import { openTx } from './tx-scope';

/**
 * Pallets: cases (shipments) packed and unpacked, custody of a pallet carrying its cases, and loggers travelling
 * on a pallet. Contract name `pallet`.
 */
export class PalletContract extends ProvenaContract {
  constructor() {
    super('pallet');
  }

  /** Creates an empty pallet; the caller's organisation becomes its owner and custodian. */
  async CreatePallet(ctx: Context, palletJson: string): Promise<string> {
    return canonicalJson(await createPallet(openTx(ctx), palletJson));
  }

  /** Packs cases onto the pallet (custodian of the pallet and of every case). */
  async PackCases(ctx: Context, palletId: string, caseIdsJson: string): Promise<string> {
    return canonicalJson(await packCases(openTx(ctx), palletId, caseIdsJson));
  }

  /** Takes cases off the pallet; each goes on as an independent shipment. */
  async UnpackCases(ctx: Context, palletId: string, caseIdsJson: string): Promise<string> {
    return canonicalJson(await unpackCases(openTx(ctx), palletId, caseIdsJson));
  }

  /** Offers custody of the pallet, and so of its cases, to another organisation (custodian only). */
  async OfferCustody(ctx: Context, palletId: string, toOrg: string): Promise<string> {
    return canonicalJson(await offerPalletCustody(openTx(ctx), palletId, toOrg));
  }

  /** Takes custody of the pallet and every case on it (the offered organisation only). */
  async AcceptCustody(ctx: Context, palletId: string): Promise<string> {
    return canonicalJson(await acceptPalletCustody(openTx(ctx), palletId));
  }

  /** Declines an offer (the offered organisation only). */
  async RejectCustody(ctx: Context, palletId: string, reason: string): Promise<string> {
    return canonicalJson(await rejectPalletCustody(openTx(ctx), palletId, reason));
  }

  /** Attaches loggers to the pallet (custodian only); their readings name the pallet. */
  async AttachDevices(ctx: Context, palletId: string, deviceIdsJson: string): Promise<string> {
    return canonicalJson({ attachments: await attachPalletDevices(openTx(ctx), palletId, deviceIdsJson) });
  }

  /** Detaches loggers from the pallet (custodian only); their readings naming it are refused from then on. */
  async DetachDevices(ctx: Context, palletId: string, deviceIdsJson: string): Promise<string> {
    return canonicalJson({ attachments: await detachPalletDevices(openTx(ctx), palletId, deviceIdsJson) });
  }

  /** Pallets in id order, a page at a time (the records, without their loggers). */
  async ListPallets(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    openTx(ctx);
    return canonicalJson(await readRecordPage<PalletRecord>(ctx, KeyType.Pallet, pageSize, bookmark));
  }

  /** One pallet with its contents and history, and its loggers, attached now or before (`attachments`). */
  async GetPallet(ctx: Context, palletId: string): Promise<string> {
    const pallet = await loadPallet(openTx(ctx), requireId(palletId, 'palletId'));
    return canonicalJson({ ...pallet, attachments: await palletAttachments(ctx, pallet.palletId) });
  }
}

const PALLET_ID = 'pallet id';
const CASE_IDS = 'JSON array of 1 to 100 shipment ids';

declareContract(
  PalletContract,
  {
    title: 'pallet',
    description: 'Pallets: cases packed and unpacked, custody carried with the pallet, pallet loggers',
    version: '0.1.0',
  },
  {
    CreatePallet: {
      submit: true,
      params: { palletJson: 'JSON {palletId}; the caller becomes owner and custodian' },
    },
    PackCases: { submit: true, params: { palletId: PALLET_ID, caseIdsJson: CASE_IDS } },
    UnpackCases: { submit: true, params: { palletId: PALLET_ID, caseIdsJson: CASE_IDS } },
    OfferCustody: { submit: true, params: { palletId: PALLET_ID, toOrg: 'MSP id of the receiver' } },
    AcceptCustody: { submit: true, params: { palletId: PALLET_ID } },
    RejectCustody: { submit: true, params: { palletId: PALLET_ID, reason: 'why, free text' } },
    AttachDevices: {
      submit: true,
      params: { palletId: PALLET_ID, deviceIdsJson: 'JSON array of 1 to 100 device ids' },
    },
    DetachDevices: {
      submit: true,
      params: { palletId: PALLET_ID, deviceIdsJson: 'JSON array of 1 to 100 device ids' },
    },
    ListPallets: {
      submit: false,
      params: {
        pageSize: 'positive integer, served at most 200',
        bookmark: 'from the previous page; "" first',
      },
    },
    GetPallet: { submit: false, params: { palletId: PALLET_ID } },
  },
);
