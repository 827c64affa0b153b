/** The DI token of the validated {@link GatewayConfig}. */
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
