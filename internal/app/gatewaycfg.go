package app

// gatewayDeps is what the gateway configuration use cases need.
type gatewayDeps struct{}
