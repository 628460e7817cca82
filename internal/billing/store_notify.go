package billing

// NotifyTx is the storage of outgoing notifications: webhook endpoints,
// their deliveries, and emails.
type NotifyTx interface{}
