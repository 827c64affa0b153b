// fabric-contract-api and fabric-shim log through winston console transports that bind `console` when a module
// loads: every decorator application at info level, every failed transaction at error level, and Jest echoes
// each line with a stack trace. Tests assert outcomes instead, so the level is raised above errors before any
// Fabric module loads: import this module first. (On a peer, the peer sets this variable.)
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'CRITICAL';

export {};
