// The tests' organisations and the JSON arguments of RegisterDevice and CreateShipment, shared by the in-memory
// tests and the shim tier. No imports: the shim tier loads this beside the real chaincode process without pulling
// in the in-memory ledger.

/** The organisations of the tests' channel. */
export const PRODUCER = 'ProducerMSP';
export const CARRIER = 'CarrierMSP';
export const RETAILER = 'RetailerMSP';

/** RegisterDevice's argument for a test device; `extra` adds or overrides fields. */
export function deviceJson(
  device: { deviceId: string; publicKeyPem: string },
  ownerOrg = PRODUCER,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    deviceId: device.deviceId,
    publicKeyPem: device.publicKeyPem,
    ownerOrg,
    kind: 'reefer-logger',
    ...extra,
  });
}

/** CreateShipment's argument with a 2–8 °C profile; `extra` adds or overrides fields. */
export function shipmentJson(shipmentId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    shipmentId,
    productCode: 'VACCINE-X',
    quantity: 1200,
    origin: 'Amsterdam',
    destination: 'Lyon',
    complianceProfile: { temperatureC: { min: 2, max: 8 } },
    ...extra,
  });
}
