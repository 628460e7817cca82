package app

// notifyDeps is what outgoing webhooks and emails need.
type notifyDeps struct{}
