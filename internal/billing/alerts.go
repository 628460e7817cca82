package billing

import (
	"fmt"
	"time"
)

// Alerts tell a merchant that something needs a person (docs/alerts.md).
// An alert is one condition on one object: while the condition lasts there
// is one unresolved alert for (scope, kind, object), and seeing the
// condition again bumps its count and last_seen instead of opening another.
// When the condition clears the alert resolves by itself. The rules below
// say, for each kind, when the condition holds, how severe it is and what
// the merchant reads; app carries them out.

// PrefixAlert is the id prefix of alerts.
const PrefixAlert = "alrt_"

// AlertKind is what an alert is about.
type AlertKind string

// The kinds of alert.
const (
	// AlertWebhookEndpointFailing: an endpoint's deliveries have failed
	// without a success for WebhookFailingAlertAfter.
	AlertWebhookEndpointFailing AlertKind = "webhook_endpoint_failing"
	// AlertWebhookEndpointDisabled: cuota disabled an endpoint that kept
	// failing.
	AlertWebhookEndpointDisabled AlertKind = "webhook_endpoint_disabled"
	// AlertGatewayUnavailable: a gateway's circuit breaker is open (its
	// calls got no answer several times in a row).
	AlertGatewayUnavailable AlertKind = "gateway_unavailable"
	// AlertGatewayCredentialsRefused: a gateway refused the merchant's
	// saved credentials.
	AlertGatewayCredentialsRefused AlertKind = "gateway_credentials_refused"
	// AlertGatewayPaymentsFailing: charges keep failing at a gateway for
	// reasons that are not the customer's (a system failure).
	AlertGatewayPaymentsFailing AlertKind = "gateway_payments_failing"
	// AlertPaymentUnknown: a payment's outcome is still unknown after
	// every step of the reconciliation schedule.
	AlertPaymentUnknown AlertKind = "payment_unknown"
	// AlertPaymentLateSuccess: a gateway reports money taken for a
	// payment cuota recorded as failed.
	AlertPaymentLateSuccess AlertKind = "payment_late_success"
	// AlertRefundStuck: a refund has been pending for RefundStuckAfter.
	AlertRefundStuck AlertKind = "refund_stuck"
	// AlertRenewalsBehind: the renewal sweep has left subscriptions due
	// for more than RenewalLagAfter.
	AlertRenewalsBehind AlertKind = "renewals_behind"
	// AlertEmailsFailing: emails keep failing to be sent.
	AlertEmailsFailing AlertKind = "emails_failing"
	// AlertUFRateMissing: invoices of UF prices wait for a day's UF value
	// that no source has (docs/uf.md).
	AlertUFRateMissing AlertKind = "uf_rate_missing"
)

// AlertKinds lists every kind, in the documentation's order.
func AlertKinds() []AlertKind {
	return []AlertKind{AlertWebhookEndpointFailing, AlertWebhookEndpointDisabled, AlertGatewayUnavailable,
		AlertGatewayCredentialsRefused, AlertGatewayPaymentsFailing, AlertPaymentUnknown, AlertPaymentLateSuccess,
		AlertRefundStuck, AlertRenewalsBehind, AlertEmailsFailing, AlertTaxDocumentRejected, AlertTaxDocumentStuck,
		AlertTaxDocumentsDelayed, AlertUFRateMissing}
}

// AlertSeverity says how urgent an alert is.
type AlertSeverity string

// The severities, least urgent first.
const (
	SeverityWarning  AlertSeverity = "warning"  // something degrades; look today
	SeverityCritical AlertSeverity = "critical" // money or notices are not moving; look now
)

// rank orders severities so that an alert only ever escalates.
func (s AlertSeverity) rank() int {
	if s == SeverityCritical {
		return 2
	}
	return 1
}

// AlertStatus is where an alert is in its life.
type AlertStatus string

// The statuses of an alert.
const (
	AlertOpen         AlertStatus = "open"         // the condition holds; nobody has said they saw it
	AlertAcknowledged AlertStatus = "acknowledged" // the condition holds and the merchant saw it
	AlertResolved     AlertStatus = "resolved"     // the condition cleared
)

// ValidAlertStatus reports whether s is an alert status.
func ValidAlertStatus(s AlertStatus) bool {
	return s == AlertOpen || s == AlertAcknowledged || s == AlertResolved
}

// Object types an alert can be about (besides payment, refund and
// webhook_endpoint, which are the objects' own names).
const (
	AlertObjectGateway  = "gateway"  // ObjectID is the gateway's name
	AlertObjectMerchant = "merchant" // ObjectID is the merchant's id: the whole scope
)

// AlertText is an alert's message in the two languages cuota speaks.
type AlertText struct {
	ES string `json:"es"`
	EN string `json:"en"`
}

// In returns the text in locale (a "es…" locale gets Spanish, any other
// English).
func (t AlertText) In(locale string) string {
	if len(locale) >= 2 && locale[:2] == "es" {
		return t.ES
	}
	return t.EN
}

// Alert is one condition that needs the merchant, on one object.
type Alert struct {
	ID         string        `json:"id"`
	Scope      Scope         `json:"scope"`
	Kind       AlertKind     `json:"kind"`
	Severity   AlertSeverity `json:"severity"`
	ObjectType string        `json:"object_type"`
	ObjectID   string        `json:"object_id"`
	Status     AlertStatus   `json:"status"`
	Message    AlertText     `json:"message"`
	// Count is how many times the condition was seen while the alert was
	// unresolved (1 when it opens).
	Count          int64      `json:"count"`
	FirstSeen      time.Time  `json:"first_seen"`
	LastSeen       time.Time  `json:"last_seen"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	ResolvedAt     *time.Time `json:"resolved_at"`
	Created        time.Time  `json:"created"`
	Updated        time.Time  `json:"updated"`
}

// AlertFilter narrows ListAlerts. Zero fields do not filter.
type AlertFilter struct {
	Status AlertStatus
}

// AlertCondition is a condition seen on an object: what to raise.
type AlertCondition struct {
	Kind       AlertKind
	Severity   AlertSeverity
	ObjectType string
	ObjectID   string
	Message    AlertText
}

// NewAlert is the alert that opens when c is seen at now and no alert of
// its kind and object is unresolved.
func NewAlert(s Scope, c AlertCondition, now time.Time) Alert {
	return Alert{ID: NewID(PrefixAlert, now), Scope: s, Kind: c.Kind, Severity: c.Severity, ObjectType: c.ObjectType,
		ObjectID: c.ObjectID, Status: AlertOpen, Message: c.Message, Count: 1, FirstSeen: now, LastSeen: now,
		Created: now, Updated: now}
}

// SeenAgain records on an unresolved alert that its condition was seen
// again at now: the count and last_seen move, the message is the latest
// one, the severity only rises, and the status stays (an acknowledged
// alert is not reopened by a repeat).
func SeenAgain(a *Alert, c AlertCondition, now time.Time) {
	a.Count++
	if now.After(a.LastSeen) {
		a.LastSeen = now
	}
	if c.Severity.rank() > a.Severity.rank() {
		a.Severity = c.Severity
	}
	a.Message = c.Message
	a.Updated = now
}

// ResolveAlert marks an unresolved alert resolved at now.
func ResolveAlert(a *Alert, now time.Time) {
	a.Status, a.ResolvedAt, a.Updated = AlertResolved, &now, now
}

// AcknowledgeAlert records that the merchant saw an alert: an open one
// becomes acknowledged; acknowledging it again changes nothing. A resolved
// alert has nothing left to acknowledge: CodeAlertResolved.
func AcknowledgeAlert(a *Alert, now time.Time) error {
	switch a.Status {
	case AlertResolved:
		return &Error{Kind: KindConflict, Code: CodeAlertResolved, Param: "id",
			Message: "the alert is resolved: its condition cleared, there is nothing to acknowledge"}
	case AlertAcknowledged:
		return nil
	}
	a.Status, a.AcknowledgedAt, a.Updated = AlertAcknowledged, &now, now
	return nil
}

// ---- the rules, kind by kind

// WebhookFailingAlertAfter is how long an endpoint's deliveries may fail
// without a success before the merchant is alerted. It is well short of
// WebhookDisableAfter, so the merchant hears of it days before the
// endpoint is disabled.
const WebhookFailingAlertAfter = time.Hour

// WebhookEndpointAlerts returns the conditions an endpoint is in at now:
// disabled by cuota for failing (critical), or failing for
// WebhookFailingAlertAfter or longer (warning). failingAfter replaces
// WebhookFailingAlertAfter when positive (tests). Each kind whose
// condition is not returned is cleared.
func WebhookEndpointAlerts(e WebhookEndpoint, now time.Time, failingAfter time.Duration) []AlertCondition {
	if failingAfter <= 0 {
		failingAfter = WebhookFailingAlertAfter
	}
	c := func(kind AlertKind, sev AlertSeverity, msg AlertText) AlertCondition {
		return AlertCondition{Kind: kind, Severity: sev, ObjectType: "webhook_endpoint", ObjectID: e.ID, Message: msg}
	}
	if e.Disabled {
		if e.DisabledReason != DisabledFailing {
			return nil // the merchant turned it off: nothing to tell them
		}
		return []AlertCondition{c(AlertWebhookEndpointDisabled, SeverityCritical, AlertText{
			ES: fmt.Sprintf("cuota desactivó el endpoint de webhooks %s porque falló durante días; no recibe eventos hasta que lo vuelvas a activar.", e.URL),
			EN: fmt.Sprintf("cuota disabled the webhook endpoint %s because it failed for days; it receives no events until you enable it again.", e.URL),
		})}
	}
	if e.FailingSince == nil || now.Sub(*e.FailingSince) < failingAfter {
		return nil
	}
	since := e.FailingSince.UTC().Format("2006-01-02 15:04 MST")
	return []AlertCondition{c(AlertWebhookEndpointFailing, SeverityWarning, AlertText{
		ES: fmt.Sprintf("Las entregas al endpoint de webhooks %s fallan sin ningún éxito desde %s; si sigue así, cuota lo desactivará.", e.URL, since),
		EN: fmt.Sprintf("Deliveries to the webhook endpoint %s have failed without a success since %s; if this goes on, cuota will disable it.", e.URL, since),
	})}
}

// GatewayAlertFacts are what one charge at a gateway told about it.
type GatewayAlertFacts struct {
	Gateway string
	// CircuitOpen: the call was not sent because the gateway's circuit
	// breaker is open.
	CircuitOpen bool
	// Answered: the gateway answered the call (a success, a decline, a
	// refusal, pending), as opposed to no answer or an unknown outcome.
	Answered bool
	// CredentialsRefused: the answer was that the credentials are not
	// accepted.
	CredentialsRefused bool
	// Succeeded: the charge succeeded.
	Succeeded bool
}

// GatewayAlerts applies a charge's facts to the gateway's alerts: the
// conditions to raise and the kinds whose condition cleared. An open
// circuit raises gateway_unavailable; any answer clears it. A credentials
// refusal raises gateway_credentials_refused; any other answer clears it.
// A success clears gateway_payments_failing (raised by the dunning
// decision, see GatewayPaymentsFailingAlert).
func GatewayAlerts(f GatewayAlertFacts) (raise []AlertCondition, clear []AlertKind) {
	g := f.Gateway
	c := func(kind AlertKind, msg AlertText) AlertCondition {
		return AlertCondition{Kind: kind, Severity: SeverityCritical, ObjectType: AlertObjectGateway, ObjectID: g, Message: msg}
	}
	if f.CircuitOpen {
		raise = append(raise, c(AlertGatewayUnavailable, AlertText{
			ES: fmt.Sprintf("La pasarela %s no responde: sus llamadas fallaron varias veces seguidas y cuota dejó de enviarle cobros por un momento. Los cobros se reintentan solos.", g),
			EN: fmt.Sprintf("The %s gateway is not answering: its calls failed several times in a row and cuota paused sending it charges. Charges are retried by themselves.", g),
		}))
	}
	if f.CredentialsRefused {
		raise = append(raise, c(AlertGatewayCredentialsRefused, AlertText{
			ES: fmt.Sprintf("La pasarela %s rechazó las credenciales guardadas; ningún cobro pasa por ella hasta que las actualices.", g),
			EN: fmt.Sprintf("The %s gateway refused the saved credentials; no charge goes through it until you update them.", g),
		}))
	}
	if f.Answered {
		clear = append(clear, AlertGatewayUnavailable)
		if !f.CredentialsRefused {
			clear = append(clear, AlertGatewayCredentialsRefused)
		}
	}
	if f.Succeeded {
		clear = append(clear, AlertGatewayPaymentsFailing)
	}
	return raise, clear
}

// GatewayCircuitQuiet is how long an open-circuit alert must go without
// being seen again before the periodic check resolves it on a gateway
// that is answering: the breaker lives in each process, so one process
// seeing the gateway available says little until the others stop
// reporting it closed.
const GatewayCircuitQuiet = 15 * time.Minute

// GatewayCircuitCleared reports whether an unresolved gateway_unavailable
// alert last seen at lastSeen has cleared at now, available being whether
// the gateway's breaker lets calls through.
func GatewayCircuitCleared(available bool, lastSeen, now time.Time) bool {
	return available && now.Sub(lastSeen) >= GatewayCircuitQuiet
}

// GatewayPaymentsFailingAlert is the condition raised when the dunning
// decision finds charges at a gateway failing for technical reasons past
// MaxTechnicalRetries (FailureSystem).
func GatewayPaymentsFailingAlert(gateway string, failures int) AlertCondition {
	return AlertCondition{Kind: AlertGatewayPaymentsFailing, Severity: SeverityWarning, ObjectType: AlertObjectGateway,
		ObjectID: gateway, Message: AlertText{
			ES: fmt.Sprintf("Los cobros en la pasarela %s siguen fallando por razones técnicas (%d intentos seguidos de una factura); las suscripciones afectadas siguen tu política de fallas del sistema.", gateway, failures),
			EN: fmt.Sprintf("Charges at the %s gateway keep failing for technical reasons (%d attempts in a row on one invoice); the subscriptions concerned follow your system-failure policy.", gateway, failures),
		}}
}

// LateSuccessAlert is the condition raised when a gateway reports money
// taken for payment p, which cuota recorded as failed. Nothing in cuota
// may turn it into a paid one, so a person must refund it at the gateway.
// It is a fact, not a state: it never clears by itself; acknowledging it
// is how the merchant says it was handled.
func LateSuccessAlert(p Payment) AlertCondition {
	return AlertCondition{Kind: AlertPaymentLateSuccess, Severity: SeverityCritical, ObjectType: "payment", ObjectID: p.ID,
		Message: AlertText{
			ES: fmt.Sprintf("La pasarela %s informa que cobró un pago que cuota registró como fallido; devuélvelo en la pasarela o cóbralo a mano.", p.Gateway),
			EN: fmt.Sprintf("The %s gateway reports money taken for a payment cuota recorded as failed; refund it at the gateway or settle it by hand.", p.Gateway),
		}}
}

// UnknownPaymentAlertAfter is how long a payment may stay unknown before
// the merchant is alerted: every step of the reconciliation schedule
// (1 min, 5 min, 1 h and the first daily look, 25 h 6 min in all) has
// been tried without an answer.
var UnknownPaymentAlertAfter = func() time.Duration {
	var d time.Duration
	for _, x := range reconcileDelays {
		d += x
	}
	return d
}()

// UnknownPaymentCriticalAfter is when an unknown payment's alert turns
// critical.
const UnknownPaymentCriticalAfter = 72 * time.Hour

// UnknownPaymentAlert returns the condition of payment p at now and
// whether it holds: p is unknown and has been since its creation for
// UnknownPaymentAlertAfter or longer.
func UnknownPaymentAlert(p Payment, now time.Time) (AlertCondition, bool) {
	age := now.Sub(p.Created)
	if p.Status != PaymentUnknown || age < UnknownPaymentAlertAfter {
		return AlertCondition{}, false
	}
	sev := SeverityWarning
	if age >= UnknownPaymentCriticalAfter {
		sev = SeverityCritical
	}
	hours := int(age / time.Hour)
	return AlertCondition{Kind: AlertPaymentUnknown, Severity: sev, ObjectType: "payment", ObjectID: p.ID, Message: AlertText{
		ES: fmt.Sprintf("La pasarela %s no ha dicho qué pasó con un pago hace %d horas; cuota la sigue consultando a diario y no volverá a cobrar esa factura hasta saberlo.", p.Gateway, hours),
		EN: fmt.Sprintf("The %s gateway has not said what became of a payment for %d hours; cuota keeps asking daily and will not charge that invoice again until it knows.", p.Gateway, hours),
	}}, true
}

// RefundStuckAfter is how long a refund may stay pending before the
// merchant is alerted (bank transfers of Flow refunds take a few days).
const RefundStuckAfter = 72 * time.Hour

// StuckRefundAlert returns the condition of refund r at now and whether
// it holds: r is still pending RefundStuckAfter after it was made.
func StuckRefundAlert(r Refund, now time.Time) (AlertCondition, bool) {
	if r.Status != RefundPending || now.Sub(r.Created) < RefundStuckAfter {
		return AlertCondition{}, false
	}
	days := int(now.Sub(r.Created) / (24 * time.Hour))
	return AlertCondition{Kind: AlertRefundStuck, Severity: SeverityWarning, ObjectType: "refund", ObjectID: r.ID, Message: AlertText{
		ES: fmt.Sprintf("Un reembolso lleva %d días pendiente en la pasarela; revisa su estado en la pasarela.", days),
		EN: fmt.Sprintf("A refund has been pending at the gateway for %d days; check its status at the gateway.", days),
	}}, true
}

// RenewalLagAfter is how long a subscription may stay due (its next
// action time passed, real time) before the renewal sweep counts as
// behind; RenewalLagCriticalAfter is when that turns critical.
const (
	RenewalLagAfter         = time.Hour
	RenewalLagCriticalAfter = 6 * time.Hour
)

// RenewalLagAlert returns the condition of a scope whose oldest due
// subscription (on real time) was due at oldestDue, with due of them
// due for RenewalLagAfter or more, and whether it holds.
func RenewalLagAlert(merchantID string, oldestDue *time.Time, due int64, now time.Time) (AlertCondition, bool) {
	if oldestDue == nil || due <= 0 || now.Sub(*oldestDue) < RenewalLagAfter {
		return AlertCondition{}, false
	}
	lag := now.Sub(*oldestDue)
	sev := SeverityWarning
	if lag >= RenewalLagCriticalAfter {
		sev = SeverityCritical
	}
	hours := int(lag / time.Hour)
	return AlertCondition{Kind: AlertRenewalsBehind, Severity: sev, ObjectType: AlertObjectMerchant, ObjectID: merchantID,
		Message: AlertText{
			ES: fmt.Sprintf("La renovación automática va atrasada: %d suscripciones debían renovarse hace más de una hora (la más antigua, hace %d horas). Revisa que el proceso líder de cuota esté corriendo.", due, hours),
			EN: fmt.Sprintf("Automatic renewal is behind: %d subscriptions were due more than an hour ago (the oldest %d hours ago). Check that cuota's leader process is running.", due, hours),
		}}, true
}

// EmailFailureWindow and EmailFailureThreshold: emails are failing when at
// least EmailFailureThreshold of them failed for good within the last
// EmailFailureWindow and none was sent after the latest failure.
const (
	EmailFailureWindow    = 24 * time.Hour
	EmailFailureThreshold = 3
)

// EmailFailureStats are a scope's recent email outcomes.
type EmailFailureStats struct {
	// Failed counts emails that failed for good within the window.
	Failed int64
	// LastFailed is the latest such failure (nil: none).
	LastFailed *time.Time
	// LastSent is the latest email sent (nil: none).
	LastSent *time.Time
}

// EmailsFailingAlert returns the condition of a scope's emails and
// whether it holds (see EmailFailureThreshold). It clears as soon as an
// email is sent after the latest failure, or when the failures age out of
// the window.
func EmailsFailingAlert(merchantID string, st EmailFailureStats) (AlertCondition, bool) {
	if st.Failed < EmailFailureThreshold || st.LastFailed == nil || (st.LastSent != nil && st.LastSent.After(*st.LastFailed)) {
		return AlertCondition{}, false
	}
	return AlertCondition{Kind: AlertEmailsFailing, Severity: SeverityWarning, ObjectType: AlertObjectMerchant, ObjectID: merchantID,
		Message: AlertText{
			ES: fmt.Sprintf("%d correos fallaron en las últimas 24 horas y ninguno se ha enviado desde entonces; revisa el servidor SMTP (CUOTA_SMTP_URL) y las direcciones de tus clientes.", st.Failed),
			EN: fmt.Sprintf("%d emails failed in the last 24 hours and none has been sent since; check the SMTP server (CUOTA_SMTP_URL) and your customers' addresses.", st.Failed),
		}}, true
}

// AlertObjectUFRate is the object of a uf_rate_missing alert: its
// ObjectID is the day (YYYY-MM-DD) whose value is missing.
const AlertObjectUFRate = "uf_rate"

// UFRateMissingAlert is the condition of a scope with invoices waiting
// for the UF value of date: one alert per day, whatever the number of
// invoices. It clears when the day's value is known and no invoice waits
// for it.
func UFRateMissingAlert(date string, waiting int) AlertCondition {
	return AlertCondition{Kind: AlertUFRateMissing, Severity: SeverityCritical, ObjectType: AlertObjectUFRate, ObjectID: date,
		Message: AlertText{
			ES: fmt.Sprintf("No hay valor de la UF para el %s: %d facturas en UF esperan sin cobrarse. cuota nunca adivina el valor; revisa la fuente (CUOTA_UF_SOURCE, CUOTA_CMF_API_KEY) o fíjalo a mano con PUT /v1/uf_rates/%s.", date, waiting, date),
			EN: fmt.Sprintf("There is no UF value for %s: %d UF invoices wait uncharged. cuota never guesses the value; check the source (CUOTA_UF_SOURCE, CUOTA_CMF_API_KEY) or set it by hand with PUT /v1/uf_rates/%s.", date, waiting, date),
		}}
}
