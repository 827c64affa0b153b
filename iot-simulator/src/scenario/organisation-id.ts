import { AUDITOR_MSP, ID_PATTERN } from '@provena/wire';

// A scenario's organisation id goes unchanged into the API keys file, a device's and a shipment's ownerOrg, and
// custody's toOrg; the gateway holds one Fabric identity per (MSP id, role) and refuses any other org. So the id
// must be the Fabric MSP id itself: "ProducerOrg" passes every other check and fails only at the first provision,
// with "this gateway holds no Fabric identity for operator of ProducerOrg".

/** An organisation id: a wire id ({@link ID_PATTERN}) with something before the `MSP` it ends in. */
const MSP_ID_PATTERN = /^.+MSP$/;

/** The rule, as the message refusing an id states it. */
export const ORGANISATION_ID_RULE =
  'organisation ids are the MSP ids the gateway holds Fabric identities for, used as they are in API keys, ' +
  'ownerOrg and custody: letters, digits and ._:-, at most 64, ending in "MSP", e.g. "ProducerMSP"';

/**
 * What is wrong with an organisation id of a scenario, worded to follow its JSON path; undefined when the id is
 * the MSP id of an organisation that may write.
 * @example
 * organisationIdProblem('ProducerOrg'); // 'is "ProducerOrg", not a Fabric MSP id: organisation ids are ...'
 * organisationIdProblem('ProducerMSP'); // undefined
 */
export function organisationIdProblem(id: string): string | undefined {
  if (id === AUDITOR_MSP) {
    return `is "${id}", whose members may only read: it can own no device, create no shipment and take no custody`;
  }
  if (!ID_PATTERN.test(id) || !MSP_ID_PATTERN.test(id)) {
    return `is "${id}", not a Fabric MSP id: ${ORGANISATION_ID_RULE}`;
  }
  return undefined;
}
