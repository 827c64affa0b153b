import {
  canonicalBytesHash,
  checkCommercialTerms,
  COMMERCIAL_TERMS_COLLECTION,
  COMMERCIAL_TERMS_TRANSIENT_KEY,
  commercialTermsDocument,
  LedgerErrorCode,
  parseStrictJson,
  TRADING_MSPS,
  WireError,
  type CommercialTerms,
} from '@provena/wire';
import type { Caller } from './caller';
import { LedgerError } from './ledger-error';
import type { ShipmentRecord } from './shipment.model';
import type { TxScope } from './tx-scope';
import type { Context } from 'fabric-contract-api';

/** A member's view of a shipment's terms: the stored document byte for byte, and its hash. */
export interface CommercialTermsView {
  shipmentId: string;
  terms: CommercialTerms;
  /** The exact stored bytes (canonical JSON): what a member discloses for an auditor to check. */
  document: string;
  termsHash: string;
}

/** What anyone on the channel may see: that terms exist, and their hash. */
export interface CommercialTermsHashView {
  shipmentId: string;
  termsHash: string;
}

const MAX_TRANSIENT_BYTES = 4096;

// The collection holds one document per shipment under a plain key; private keys live in their own namespace,
// so it cannot collide with any world-state key.
function termsKey(shipmentId: string): string {
  return `terms/${shipmentId}`;
}

/**
 * Refuses callers outside the collection before Fabric would (a non-member peer has no copy to read, and
 * `memberOnlyRead` refuses the read itself): the message names who may.
 */
export function requireTradingMember(caller: Caller, action: string): void {
  if (!TRADING_MSPS.includes(caller.mspId)) {
    throw new LedgerError(
      LedgerErrorCode.Forbidden,
      `only ${TRADING_MSPS.join(' and ')} may ${action}: commercial terms are private to the trading organisations, ` +
        `${caller.mspId} may read their hash only`,
    );
  }
}

/**
 * The terms sent in the proposal's transient map, checked, or undefined when none were sent. Transient data
 * reaches the endorsing peers only; it is never part of a block.
 */
export function transientTerms(ctx: Context, shipmentId: string): CommercialTerms | undefined {
  const bytes = ctx.stub.getTransient().get(COMMERCIAL_TERMS_TRANSIENT_KEY);
  if (bytes === undefined) return undefined;
  if (bytes.length > MAX_TRANSIENT_BYTES) {
    throw new LedgerError(
      LedgerErrorCode.InvalidArgument,
      `transient ${COMMERCIAL_TERMS_TRANSIENT_KEY}: more than ${MAX_TRANSIENT_BYTES} bytes`,
    );
  }
  let terms: CommercialTerms;
  try {
    terms = checkCommercialTerms(parseStrictJson(Buffer.from(bytes).toString('utf8')));
  } catch (err) {
    if (err instanceof WireError) {
      throw new LedgerError(
        LedgerErrorCode.InvalidArgument,
        `transient ${COMMERCIAL_TERMS_TRANSIENT_KEY}: ${err.message}`,
      );
    }
    throw err;
  }
  if (terms.shipmentId !== shipmentId) {
    throw new LedgerError(
      LedgerErrorCode.InvalidArgument,
      `transient ${COMMERCIAL_TERMS_TRANSIENT_KEY}: terms.shipmentId ${terms.shipmentId} is not shipment ${shipmentId}`,
    );
  }
  return terms;
}

/**
 * Writes the terms into the collection (the owner organisation, a trading member, while the shipment is not
 * delivered; the caller has checked it is a writer, and checks the shipment). Returns the hash every block will carry.
 */
export async function storeCommercialTerms(
  tx: TxScope,
  shipment: ShipmentRecord,
  terms: CommercialTerms,
): Promise<string> {
  requireTradingMember(tx.caller, 'record commercial terms');
  if (shipment.ownerOrg !== tx.caller.mspId) {
    throw new LedgerError(
      LedgerErrorCode.Forbidden,
      `only the shipment's owner ${shipment.ownerOrg} may record its commercial terms, not ${tx.caller.mspId}`,
    );
  }
  const document = commercialTermsDocument(terms);
  await tx.ctx.stub.putPrivateData(
    COMMERCIAL_TERMS_COLLECTION,
    termsKey(terms.shipmentId),
    Buffer.from(document, 'utf8'),
  );
  return canonicalBytesHash(Buffer.from(document, 'utf8'));
}

/** A trading member reads the terms from its own peer's copy of the collection. */
export async function readCommercialTerms(tx: TxScope, shipmentId: string): Promise<CommercialTermsView> {
  requireTradingMember(tx.caller, 'read commercial terms');
  let bytes: Uint8Array;
  try {
    bytes = await tx.ctx.stub.getPrivateData(COMMERCIAL_TERMS_COLLECTION, termsKey(shipmentId));
  } catch (err) {
    // The peer has the hash of a committed value but not the value: it is not in the collection, or has not yet
    // pulled the value from another member (reconciliation). Fabric's message says exactly that.
    if (
      err instanceof Error &&
      err.message.includes('private data matching public hash version is not available')
    ) {
      throw new LedgerError(
        LedgerErrorCode.NotFound,
        `this peer holds only the hash of shipment ${shipmentId}'s commercial terms, not the terms`,
        { cause: err },
      );
    }
    throw err;
  }
  if (bytes.length === 0) {
    // Either none were recorded, or this peer has none: purged after blockToLive, or never disseminated to it.
    throw new LedgerError(
      LedgerErrorCode.NotFound,
      `no commercial terms of shipment ${shipmentId} on this peer`,
    );
  }
  const document = Buffer.from(bytes).toString('utf8');
  return {
    shipmentId,
    terms: JSON.parse(document) as CommercialTerms,
    document,
    termsHash: canonicalBytesHash(bytes),
  };
}

/** Anyone on the channel: the hash of the stored terms, which the peers keep even where the values are absent. */
export async function readCommercialTermsHash(
  tx: TxScope,
  shipmentId: string,
): Promise<CommercialTermsHashView> {
  const hash = await tx.ctx.stub.getPrivateDataHash(COMMERCIAL_TERMS_COLLECTION, termsKey(shipmentId));
  if (hash.length === 0) {
    throw new LedgerError(LedgerErrorCode.NotFound, `shipment ${shipmentId} has no commercial terms`);
  }
  return { shipmentId, termsHash: Buffer.from(hash).toString('hex') };
}
