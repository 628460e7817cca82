package billing

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDecideFailure(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	after := func(d time.Duration) *time.Time { t := at.Add(d); return &t }
	def := DefaultDunningPolicy()
	unpaid := def
	unpaid.FinalAction = PolicyUnpaid
	leave := def
	leave.FinalAction = PolicyLeavePastDue
	for _, tc := range []struct {
		name string
		f    FailureFacts
		want FailureDecision
	}{
		{"unknown outcome: look again in a minute",
			FailureFacts{Unknown: true, Subscription: SubscriptionActive, Policy: def},
			FailureDecision{Action: FailureReconcile, RetryAt: after(time.Minute)}},
		{"still unknown after an hour: look again daily",
			FailureFacts{Unknown: true, UnknownFor: time.Hour, Policy: def},
			FailureDecision{Action: FailureReconcile, RetryAt: after(24 * time.Hour)}},
		{"first technical failure: retry in a minute, no status change",
			FailureFacts{Class: FailureTechnical, TechnicalFailures: 1, Subscription: SubscriptionActive, Policy: def},
			FailureDecision{Action: FailureTechnicalRetry, RetryAt: after(time.Minute)}},
		{"technical failure of an incomplete subscription is retried too",
			FailureFacts{Class: FailureTechnical, TechnicalFailures: 3, Subscription: SubscriptionIncomplete, Policy: def},
			FailureDecision{Action: FailureTechnicalRetry, RetryAt: after(15 * time.Minute)}},
		{"last technical retry",
			FailureFacts{Class: FailureTechnical, TechnicalFailures: MaxTechnicalRetries, Subscription: SubscriptionPastDue, Policy: def},
			FailureDecision{Action: FailureTechnicalRetry, RetryAt: after(time.Hour)}},
		{"technical failures past the limit: system failure",
			FailureFacts{Class: FailureTechnical, TechnicalFailures: MaxTechnicalRetries + 1, Subscription: SubscriptionActive, Policy: def},
			FailureDecision{Action: FailureSystem, SubEvents: []SubscriptionEvent{SubEventSystemFailure}}},
		{"system failure of a subscription that has not started changes no status",
			FailureFacts{Class: FailureTechnical, TechnicalFailures: MaxTechnicalRetries + 1, Subscription: SubscriptionIncomplete, Policy: def},
			FailureDecision{Action: FailureSystem}},
		{"failed first payment expires the subscription and voids the invoice",
			FailureFacts{Class: FailureCustomer, Attempts: 1, Subscription: SubscriptionIncomplete, Policy: def},
			FailureDecision{Action: FailureFirstPayment, SubEvents: []SubscriptionEvent{SubEventFirstPaymentFailed}, VoidInvoice: true}},
		{"hard decline of a first payment expires it too",
			FailureFacts{Class: FailureHard, Attempts: 1, Subscription: SubscriptionIncomplete, Policy: def},
			FailureDecision{Action: FailureFirstPayment, SubEvents: []SubscriptionEvent{SubEventFirstPaymentFailed}, VoidInvoice: true}},
		{"renewal declined: past_due, retry in a day",
			FailureFacts{Class: FailureCustomer, Attempts: 1, Subscription: SubscriptionActive, Policy: def},
			FailureDecision{Action: FailureRetry, RetryAt: after(24 * time.Hour), SubEvents: []SubscriptionEvent{SubEventRenewalFailed}}},
		{"trial end declined: past_due too",
			FailureFacts{Class: FailureCustomer, Attempts: 1, Subscription: SubscriptionTrialing, Policy: def},
			FailureDecision{Action: FailureRetry, RetryAt: after(24 * time.Hour), SubEvents: []SubscriptionEvent{SubEventRenewalFailed}}},
		{"second decline while past_due: retry in three days",
			FailureFacts{Class: FailureCustomer, Attempts: 2, Subscription: SubscriptionPastDue, Policy: def},
			FailureDecision{Action: FailureRetry, RetryAt: after(3 * 24 * time.Hour)}},
		{"a failure that consumed no attempt retries on the first delay",
			FailureFacts{Class: FailureUnknown, Attempts: 1, Subscription: SubscriptionPastDue, Policy: def},
			FailureDecision{Action: FailureRetry, RetryAt: after(24 * time.Hour)}},
		{"last attempt declined: cancel and mark uncollectible",
			FailureFacts{Class: FailureCustomer, Attempts: 5, Subscription: SubscriptionPastDue, Policy: def},
			FailureDecision{Action: FailureFinal, SubEvents: []SubscriptionEvent{SubEventRetriesExhausted}, MarkUncollectible: true}},
		{"hard decline is never retried: final action at once",
			FailureFacts{Class: FailureHard, Attempts: 1, Subscription: SubscriptionActive, Policy: unpaid},
			FailureDecision{Action: FailureFinal, SubEvents: []SubscriptionEvent{SubEventRenewalFailed, SubEventRetriesExhausted}, MarkUncollectible: true}},
		{"leave_past_due keeps the invoice open",
			FailureFacts{Class: FailureCustomer, Attempts: 5, Subscription: SubscriptionPastDue, Policy: leave},
			FailureDecision{Action: FailureFinal, SubEvents: []SubscriptionEvent{SubEventRetriesExhausted}}},
		{"unpaid subscription: no status event, invoice uncollectible",
			FailureFacts{Class: FailureHard, Attempts: 2, Subscription: SubscriptionUnpaid, Policy: unpaid},
			FailureDecision{Action: FailureFinal, MarkUncollectible: true}},
		{"a policy without retries ends at the first decline",
			FailureFacts{Class: FailureCustomer, Attempts: 1, Subscription: SubscriptionActive, Policy: DunningPolicy{FinalAction: PolicyCancel}},
			FailureDecision{Action: FailureFinal, SubEvents: []SubscriptionEvent{SubEventRenewalFailed, SubEventRetriesExhausted}, MarkUncollectible: true}},
	} {
		tc.f.At = at
		require.Equal(t, tc.want, DecideFailure(tc.f), tc.name)
	}
}

func TestReconcileDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ elapsed, want time.Duration }{
		{0, time.Minute},
		{59 * time.Second, time.Minute},
		{time.Minute, 5 * time.Minute},
		{5 * time.Minute, time.Hour},
		{time.Hour, 24 * time.Hour},
		{30 * 24 * time.Hour, 24 * time.Hour},
	} {
		require.Equal(t, tc.want, ReconcileDelay(tc.elapsed), tc.elapsed)
	}
}
