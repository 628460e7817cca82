package billing

// GatewayTx is the storage of gateway adapters: per-merchant gateway
// configuration and the local references to gateway-side objects.
type GatewayTx interface{}
