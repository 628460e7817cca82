package billing

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var alertNow = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) *time.Time { t := alertNow.Add(-d); return &t }

func kindsOf(cs []AlertCondition) []AlertKind {
	var out []AlertKind
	for _, c := range cs {
		out = append(out, c.Kind)
	}
	return out
}

func TestWebhookEndpointAlerts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		e    WebhookEndpoint
		want []AlertKind
		sev  AlertSeverity
	}{
		{"healthy", WebhookEndpoint{}, nil, ""},
		{"failing for less than the patience", WebhookEndpoint{FailingSince: ago(59 * time.Minute)}, nil, ""},
		{"failing for an hour", WebhookEndpoint{FailingSince: ago(time.Hour)}, []AlertKind{AlertWebhookEndpointFailing}, SeverityWarning},
		{"disabled by cuota", WebhookEndpoint{Disabled: true, DisabledReason: DisabledFailing, FailingSince: ago(6 * 24 * time.Hour)},
			[]AlertKind{AlertWebhookEndpointDisabled}, SeverityCritical},
		{"disabled by the merchant", WebhookEndpoint{Disabled: true, DisabledReason: DisabledByMerchant, FailingSince: ago(2 * time.Hour)}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.e.ID, tc.e.URL = "we_1", "https://example.cl/hook"
			got := WebhookEndpointAlerts(tc.e, alertNow, 0)
			require.Equal(t, tc.want, kindsOf(got))
			if len(got) > 0 {
				require.Equal(t, tc.sev, got[0].Severity)
				require.Equal(t, "webhook_endpoint", got[0].ObjectType)
				require.Equal(t, "we_1", got[0].ObjectID)
				require.Contains(t, got[0].Message.ES, "https://example.cl/hook")
				require.Contains(t, got[0].Message.EN, "https://example.cl/hook")
			}
		})
	}
	// A test's shorter patience.
	require.Len(t, WebhookEndpointAlerts(WebhookEndpoint{FailingSince: ago(time.Second)}, alertNow, time.Second), 1)
}

func TestGatewayAlerts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		f     GatewayAlertFacts
		raise []AlertKind
		clear []AlertKind
	}{
		{"circuit open: raise, clear nothing", GatewayAlertFacts{CircuitOpen: true}, []AlertKind{AlertGatewayUnavailable}, nil},
		{"credentials refused: raise, and the gateway answered", GatewayAlertFacts{Answered: true, CredentialsRefused: true},
			[]AlertKind{AlertGatewayCredentialsRefused}, []AlertKind{AlertGatewayUnavailable}},
		{"a decline is an answer", GatewayAlertFacts{Answered: true},
			nil, []AlertKind{AlertGatewayUnavailable, AlertGatewayCredentialsRefused}},
		{"a success clears everything", GatewayAlertFacts{Answered: true, Succeeded: true},
			nil, []AlertKind{AlertGatewayUnavailable, AlertGatewayCredentialsRefused, AlertGatewayPaymentsFailing}},
		{"no answer (unknown outcome) says nothing", GatewayAlertFacts{}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.f.Gateway = "flow"
			raise, clear := GatewayAlerts(tc.f)
			require.Equal(t, tc.raise, kindsOf(raise))
			require.Equal(t, tc.clear, clear)
			for _, c := range raise {
				require.Equal(t, SeverityCritical, c.Severity)
				require.Equal(t, AlertObjectGateway, c.ObjectType)
				require.Equal(t, "flow", c.ObjectID)
			}
		})
	}
}

func TestGatewayCircuitCleared(t *testing.T) {
	t.Parallel()
	require.False(t, GatewayCircuitCleared(false, alertNow.Add(-time.Hour), alertNow), "still open")
	require.False(t, GatewayCircuitCleared(true, alertNow.Add(-time.Minute), alertNow), "seen open a minute ago elsewhere")
	require.True(t, GatewayCircuitCleared(true, alertNow.Add(-GatewayCircuitQuiet), alertNow))
}

func TestUnknownPaymentAlert(t *testing.T) {
	t.Parallel()
	require.Equal(t, 25*time.Hour+6*time.Minute, UnknownPaymentAlertAfter)
	for _, tc := range []struct {
		name   string
		status PaymentStatus
		age    time.Duration
		holds  bool
		sev    AlertSeverity
	}{
		{"unknown within the schedule", PaymentUnknown, 25 * time.Hour, false, ""},
		{"unknown past the schedule", PaymentUnknown, 26 * time.Hour, true, SeverityWarning},
		{"unknown for three days", PaymentUnknown, 72 * time.Hour, true, SeverityCritical},
		{"resolved long ago", PaymentSucceeded, 100 * time.Hour, false, ""},
		{"failed", PaymentFailed, 100 * time.Hour, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := UnknownPaymentAlert(Payment{ID: "pay_1", Gateway: "flow", Status: tc.status, Created: alertNow.Add(-tc.age)}, alertNow)
			require.Equal(t, tc.holds, ok)
			if ok {
				require.Equal(t, tc.sev, c.Severity)
				require.Equal(t, AlertCondition{Kind: AlertPaymentUnknown, Severity: tc.sev, ObjectType: "payment", ObjectID: "pay_1",
					Message: c.Message}, c)
				hours := fmt.Sprint(int(tc.age / time.Hour))
				require.Contains(t, c.Message.ES, "La pasarela flow no ha dicho qué pasó con un pago hace "+hours+" horas")
				require.Contains(t, c.Message.EN, "The flow gateway has not said what became of a payment for "+hours+" hours")
			}
		})
	}
}

func TestStuckRefundAlert(t *testing.T) {
	t.Parallel()
	_, ok := StuckRefundAlert(Refund{ID: "re_1", Status: RefundPending, Created: alertNow.Add(-71 * time.Hour)}, alertNow)
	require.False(t, ok)
	c, ok := StuckRefundAlert(Refund{ID: "re_1", Status: RefundPending, Created: alertNow.Add(-80 * time.Hour)}, alertNow)
	require.True(t, ok)
	require.Equal(t, AlertRefundStuck, c.Kind)
	require.Contains(t, c.Message.ES, "3 días")
	_, ok = StuckRefundAlert(Refund{ID: "re_1", Status: RefundSucceeded, Created: alertNow.Add(-80 * time.Hour)}, alertNow)
	require.False(t, ok)
}

func TestRenewalLagAlert(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		oldest *time.Time
		due    int64
		holds  bool
		sev    AlertSeverity
	}{
		{"nothing due", nil, 0, false, ""},
		{"due for less than the lag", ago(30 * time.Minute), 3, false, ""},
		{"behind by an hour", ago(time.Hour), 3, true, SeverityWarning},
		{"behind by six hours", ago(6 * time.Hour), 1, true, SeverityCritical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := RenewalLagAlert("mch_1", tc.oldest, tc.due, alertNow)
			require.Equal(t, tc.holds, ok)
			if ok {
				require.Equal(t, tc.sev, c.Severity)
				require.Equal(t, AlertObjectMerchant, c.ObjectType)
				require.Equal(t, "mch_1", c.ObjectID)
			}
		})
	}
}

func TestEmailsFailingAlert(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		st    EmailFailureStats
		holds bool
	}{
		{"no failures", EmailFailureStats{}, false},
		{"two failures", EmailFailureStats{Failed: 2, LastFailed: ago(time.Hour)}, false},
		{"three failures, nothing sent", EmailFailureStats{Failed: 3, LastFailed: ago(time.Hour)}, true},
		{"three failures, an older send", EmailFailureStats{Failed: 3, LastFailed: ago(time.Hour), LastSent: ago(2 * time.Hour)}, true},
		{"a send after the last failure clears it", EmailFailureStats{Failed: 5, LastFailed: ago(time.Hour), LastSent: ago(time.Minute)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := EmailsFailingAlert("mch_1", tc.st)
			require.Equal(t, tc.holds, ok)
			if ok {
				require.Equal(t, AlertEmailsFailing, c.Kind)
				require.Equal(t, SeverityWarning, c.Severity)
			}
		})
	}
}

func TestAlertLife(t *testing.T) {
	t.Parallel()
	s := Scope{MerchantID: "mch_1", Mode: ModeTest}
	warn := AlertCondition{Kind: AlertPaymentUnknown, Severity: SeverityWarning, ObjectType: "payment", ObjectID: "pay_1",
		Message: AlertText{ES: "uno", EN: "one"}}
	a := NewAlert(s, warn, alertNow)
	require.Equal(t, AlertOpen, a.Status)
	require.Equal(t, int64(1), a.Count)
	require.Equal(t, alertNow, a.FirstSeen)
	require.Regexp(t, `^alrt_`, a.ID)

	// A repeat bumps count and last_seen; the severity only rises.
	crit := warn
	crit.Severity, crit.Message = SeverityCritical, AlertText{ES: "dos", EN: "two"}
	later := alertNow.Add(time.Hour)
	SeenAgain(&a, crit, later)
	require.Equal(t, int64(2), a.Count)
	require.Equal(t, later, a.LastSeen)
	require.Equal(t, alertNow, a.FirstSeen)
	require.Equal(t, SeverityCritical, a.Severity)
	require.Equal(t, "two", a.Message.In("en"))
	require.Equal(t, "dos", a.Message.In("es-CL"))
	SeenAgain(&a, warn, later.Add(time.Hour))
	require.Equal(t, SeverityCritical, a.Severity)

	// Acknowledging is idempotent; a repeat does not reopen it.
	require.NoError(t, AcknowledgeAlert(&a, later))
	require.Equal(t, AlertAcknowledged, a.Status)
	require.NoError(t, AcknowledgeAlert(&a, later.Add(time.Minute)))
	require.Equal(t, later, *a.AcknowledgedAt)
	SeenAgain(&a, warn, later.Add(2*time.Hour))
	require.Equal(t, AlertAcknowledged, a.Status)

	ResolveAlert(&a, later.Add(3*time.Hour))
	require.Equal(t, AlertResolved, a.Status)
	err := AcknowledgeAlert(&a, later.Add(4*time.Hour))
	require.Equal(t, CodeAlertResolved, AsError(err).Code)
	require.Equal(t, KindConflict, AsError(err).Kind)
}
