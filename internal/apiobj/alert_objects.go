package apiobj

import "github.com/cuota/cuota/internal/billing"

// AlertMessageJSON is an alert's message in both languages.
type AlertMessageJSON struct {
	ES string `json:"es"`
	EN string `json:"en"`
}

// AlertObjectJSON names what an alert is about.
type AlertObjectJSON struct {
	Type string `json:"type" doc:"payment, refund, webhook_endpoint, gateway (id: its name), merchant (id: the merchant: the whole account) or uf_rate (id: the day, YYYY-MM-DD)."`
	ID   string `json:"id"`
}

// AlertJSON is an alert as the API shows it (docs/alerts.md).
type AlertJSON struct {
	ID             string           `json:"id"`
	Object         string           `json:"object" enum:"alert"`
	Livemode       bool             `json:"livemode"`
	Kind           string           `json:"kind" enum:"webhook_endpoint_failing,webhook_endpoint_disabled,gateway_unavailable,gateway_credentials_refused,gateway_payments_failing,payment_unknown,payment_late_success,refund_stuck,renewals_behind,emails_failing,uf_rate_missing"`
	Severity       string           `json:"severity" enum:"warning,critical"`
	Status         string           `json:"status" enum:"open,acknowledged,resolved"`
	Concerns       AlertObjectJSON  `json:"concerns" doc:"The object the alert is about."`
	Message        AlertMessageJSON `json:"message"`
	Count          int64            `json:"count" doc:"How many times the condition was seen while the alert was unresolved."`
	FirstSeen      int64            `json:"first_seen"`
	LastSeen       int64            `json:"last_seen"`
	AcknowledgedAt *int64           `json:"acknowledged_at"`
	ResolvedAt     *int64           `json:"resolved_at"`
	Created        int64            `json:"created"`
}

// Alert renders an alert.
func Alert(a billing.Alert) AlertJSON {
	return AlertJSON{ID: a.ID, Object: "alert", Livemode: a.Scope.Mode.Livemode(), Kind: string(a.Kind),
		Severity: string(a.Severity), Status: string(a.Status), Concerns: AlertObjectJSON{Type: a.ObjectType, ID: a.ObjectID},
		Message: AlertMessageJSON{ES: a.Message.ES, EN: a.Message.EN}, Count: a.Count, FirstSeen: a.FirstSeen.Unix(),
		LastSeen: a.LastSeen.Unix(), AcknowledgedAt: UnixPtr(a.AcknowledgedAt), ResolvedAt: UnixPtr(a.ResolvedAt),
		Created: a.Created.Unix()}
}
