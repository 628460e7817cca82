package billing

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// subTransition is one accepted (status, event) pair and where it leads
// under a policy.
type subTransition struct {
	from   SubscriptionStatus
	ev     SubscriptionEvent
	policy TransitionPolicy
	to     SubscriptionStatus
}

// subTable is the status table of docs/architecture.md row by row, every policy
// variant spelled out, plus the three documented extensions at the end.
func subTable() []subTransition {
	def := TransitionPolicy{}
	var rows []subTransition
	add := func(from []SubscriptionStatus, ev SubscriptionEvent, p TransitionPolicy, to SubscriptionStatus) {
		for _, f := range from {
			rows = append(rows, subTransition{f, ev, p, to})
		}
	}
	one := func(s SubscriptionStatus) []SubscriptionStatus { return []SubscriptionStatus{s} }

	// — → trialing / active / incomplete.
	add(one(SubscriptionNone), SubEventCreatedWithTrial, def, SubscriptionTrialing)
	add(one(SubscriptionNone), SubEventFirstPaymentSucceeded, def, SubscriptionActive)
	add(one(SubscriptionNone), SubEventFirstPaymentPending, def, SubscriptionIncomplete)
	// incomplete.
	add(one(SubscriptionIncomplete), SubEventPaymentSucceeded, def, SubscriptionActive)
	add(one(SubscriptionIncomplete), SubEventFirstPaymentFailed, def, SubscriptionIncompleteExpired)
	add(one(SubscriptionIncomplete), SubEventIncompleteWindowPassed, def, SubscriptionIncompleteExpired)
	// trialing ends.
	add(one(SubscriptionTrialing), SubEventTrialEndedPaid, def, SubscriptionActive)
	add(one(SubscriptionTrialing), SubEventTrialEndedNoPaymentMethod, def, SubscriptionCanceled)
	add(one(SubscriptionTrialing), SubEventTrialEndedNoPaymentMethod, TransitionPolicy{TrialEndNoPaymentMethod: PolicyCancel}, SubscriptionCanceled)
	add(one(SubscriptionTrialing), SubEventTrialEndedNoPaymentMethod, TransitionPolicy{TrialEndNoPaymentMethod: PolicyPause}, SubscriptionPaused)
	// Renewal fails.
	add([]SubscriptionStatus{SubscriptionTrialing, SubscriptionActive}, SubEventRenewalFailed, def, SubscriptionPastDue)
	// past_due.
	add(one(SubscriptionPastDue), SubEventPaymentSucceeded, def, SubscriptionActive)
	add(one(SubscriptionPastDue), SubEventRetriesExhausted, def, SubscriptionCanceled)
	add(one(SubscriptionPastDue), SubEventRetriesExhausted, TransitionPolicy{RetriesExhausted: PolicyCancel}, SubscriptionCanceled)
	add(one(SubscriptionPastDue), SubEventRetriesExhausted, TransitionPolicy{RetriesExhausted: PolicyUnpaid}, SubscriptionUnpaid)
	add(one(SubscriptionPastDue), SubEventRetriesExhausted, TransitionPolicy{RetriesExhausted: PolicyLeavePastDue}, SubscriptionPastDue)
	// Permanent system failure in any live status.
	live := []SubscriptionStatus{SubscriptionTrialing, SubscriptionActive, SubscriptionPastDue, SubscriptionUnpaid, SubscriptionPaused}
	add(live, SubEventSystemFailure, TransitionPolicy{SystemFailure: PolicyCancel}, SubscriptionCanceled)
	add([]SubscriptionStatus{SubscriptionTrialing, SubscriptionActive, SubscriptionPastDue}, SubEventSystemFailure, def, SubscriptionPastDue)
	add([]SubscriptionStatus{SubscriptionTrialing, SubscriptionActive, SubscriptionPastDue}, SubEventSystemFailure, TransitionPolicy{SystemFailure: PolicyPastDue}, SubscriptionPastDue)
	add(one(SubscriptionUnpaid), SubEventSystemFailure, def, SubscriptionUnpaid)
	add(one(SubscriptionPaused), SubEventSystemFailure, def, SubscriptionPaused)
	// Cancel now.
	add([]SubscriptionStatus{SubscriptionActive, SubscriptionTrialing, SubscriptionPastDue}, SubEventCancelNow, def, SubscriptionCanceled)
	// active ends or pauses.
	add(one(SubscriptionActive), SubEventPeriodEndWithCancel, def, SubscriptionCanceled)
	add(one(SubscriptionActive), SubEventCyclesCompleted, def, SubscriptionCanceled)
	add(one(SubscriptionActive), SubEventPause, def, SubscriptionPaused)
	add(one(SubscriptionPaused), SubEventResume, def, SubscriptionActive)

	// Extensions (documented on NextStatus).
	add(one(SubscriptionUnpaid), SubEventPaymentSucceeded, def, SubscriptionActive)
	add([]SubscriptionStatus{SubscriptionUnpaid, SubscriptionPaused}, SubEventCancelNow, def, SubscriptionCanceled)
	return rows
}

func TestNextStatusTable(t *testing.T) {
	t.Parallel()
	for _, row := range subTable() {
		name := fmt.Sprintf("%q %s %+v", row.from, row.ev, row.policy)
		got, err := NextStatus(row.from, row.ev, row.policy)
		require.NoError(t, err, name)
		require.Equal(t, row.to, got, name)
	}
}

// subPolicies is every combination of valid policy values, empty included.
func subPolicies() []TransitionPolicy {
	var out []TransitionPolicy
	for _, a := range []string{"", PolicyCancel, PolicyPause} {
		for _, b := range []string{"", PolicyCancel, PolicyUnpaid, PolicyLeavePastDue} {
			for _, c := range []string{"", PolicyCancel, PolicyPastDue} {
				out = append(out, TransitionPolicy{a, b, c})
			}
		}
	}
	return out
}

// TestNextStatusRejectsEverythingElse sweeps every (status, event) pair under
// every policy: pairs outside the table are invalid_state_transition
// conflicts that name the current status, and the policy never changes
// which pairs are accepted.
func TestNextStatusRejectsEverythingElse(t *testing.T) {
	t.Parallel()
	accepted := map[[2]string]bool{}
	for _, row := range subTable() {
		accepted[[2]string{string(row.from), string(row.ev)}] = true
	}
	froms := append([]SubscriptionStatus{SubscriptionNone}, subscriptionStatuses...)
	rejected := 0
	for _, p := range subPolicies() {
		for _, from := range froms {
			for _, ev := range subscriptionEvents {
				to, err := NextStatus(from, ev, p)
				if accepted[[2]string{string(from), string(ev)}] {
					require.NoError(t, err, "%q %s %+v", from, ev, p)
					require.True(t, to.Valid(), "%q %s → %q", from, ev, to)
					continue
				}
				rejected++
				e := AsError(err)
				require.NotNil(t, e, "%q %s %+v should be rejected", from, ev, p)
				require.Equal(t, KindConflict, e.Kind)
				require.Equal(t, CodeInvalidStateTransition, e.Code)
				require.Equal(t, from, to, "a rejected event leaves the status alone")
				if from == SubscriptionNone {
					require.True(t, strings.HasSuffix(e.Message, "that is not created yet"), e.Message)
				} else {
					require.True(t, strings.HasSuffix(e.Message, "that is "+string(from)), e.Message)
				}
			}
		}
	}
	require.Positive(t, rejected)
}

func TestNextStatusTerminalStatesAcceptNothing(t *testing.T) {
	t.Parallel()
	for _, from := range []SubscriptionStatus{SubscriptionCanceled, SubscriptionIncompleteExpired} {
		require.True(t, from.Terminal())
		for _, ev := range subscriptionEvents {
			_, err := NextStatus(from, ev, TransitionPolicy{})
			require.Equal(t, CodeInvalidStateTransition, AsError(err).Code, "%s %s", from, ev)
		}
	}
}

func TestNextStatusMessages(t *testing.T) {
	t.Parallel()
	_, err := NextStatus(SubscriptionActive, SubEventResume, TransitionPolicy{})
	require.EqualError(t, err, "invalid_state_transition: cannot resume a subscription that is active")
	_, err = NextStatus(SubscriptionCanceled, SubEventPause, TransitionPolicy{})
	require.Equal(t, "cannot pause a subscription that is canceled", AsError(err).Message)
	_, err = NextStatus(SubscriptionNone, SubEventCancelNow, TransitionPolicy{})
	require.Equal(t, "cannot cancel a subscription that is not created yet", AsError(err).Message)
	_, err = NextStatus(SubscriptionActive, SubEventCreatedWithTrial, TransitionPolicy{})
	require.Equal(t, "cannot start a trial on a subscription that is active", AsError(err).Message)
	_, err = NextStatus(SubscriptionActive, "explode", TransitionPolicy{})
	require.Equal(t, CodeInvalidStateTransition, AsError(err).Code)
	require.Equal(t, `cannot apply unknown event "explode" to a subscription that is active`, AsError(err).Message)
	_, err = NextStatus("weird", SubEventPause, TransitionPolicy{})
	require.Equal(t, CodeInvalidStateTransition, AsError(err).Code)
	require.Equal(t, "cannot pause a subscription that is in status weird", AsError(err).Message)
}

func TestTransitionPolicyValidate(t *testing.T) {
	t.Parallel()
	for _, p := range subPolicies() {
		require.NoError(t, p.Validate(), "%+v", p)
	}
	require.NoError(t, DefaultTransitionPolicy().Validate())
	require.Equal(t, DefaultTransitionPolicy(), TransitionPolicy{}.withDefaults())
	bad := []struct {
		p     TransitionPolicy
		param string
	}{
		{TransitionPolicy{TrialEndNoPaymentMethod: PolicyUnpaid}, "trial_end_no_payment_method"},
		{TransitionPolicy{RetriesExhausted: PolicyPause}, "retries_exhausted"},
		{TransitionPolicy{RetriesExhausted: PolicyPastDue}, "retries_exhausted"},
		{TransitionPolicy{SystemFailure: PolicyLeavePastDue}, "system_failure"},
		{TransitionPolicy{SystemFailure: "Cancel"}, "system_failure"},
	}
	for _, tc := range bad {
		e := AsError(tc.p.Validate())
		require.NotNil(t, e, "%+v", tc.p)
		require.Equal(t, KindInvalid, e.Kind)
		require.Equal(t, tc.param, e.Param)
		// NextStatus refuses to guess with a bad policy, even for rows the
		// bad field does not govern.
		to, err := NextStatus(SubscriptionActive, SubEventPause, tc.p)
		require.Equal(t, tc.param, AsError(err).Param)
		require.Equal(t, SubscriptionActive, to)
	}
}

func TestSubscriptionStatusPredicates(t *testing.T) {
	t.Parallel()
	type flags struct{ valid, terminal, live, entitled bool }
	want := map[SubscriptionStatus]flags{
		SubscriptionNone:              {},
		SubscriptionIncomplete:        {valid: true},
		SubscriptionIncompleteExpired: {valid: true, terminal: true},
		SubscriptionTrialing:          {valid: true, live: true, entitled: true},
		SubscriptionActive:            {valid: true, live: true, entitled: true},
		SubscriptionPastDue:           {valid: true, live: true, entitled: true},
		SubscriptionCanceled:          {valid: true, terminal: true},
		SubscriptionUnpaid:            {valid: true, live: true},
		SubscriptionPaused:            {valid: true, live: true},
		"Active":                      {},
	}
	require.Len(t, subscriptionStatuses, 8)
	for s, f := range want {
		require.Equal(t, f, flags{s.Valid(), s.Terminal(), s.Live(), s.Entitled()}, "%q", s)
	}
	for _, s := range subscriptionStatuses {
		_, ok := want[s]
		require.True(t, ok, s)
	}
}

func TestSubscriptionEventValid(t *testing.T) {
	t.Parallel()
	require.Len(t, subscriptionEvents, len(subEventVerbs))
	for _, ev := range subscriptionEvents {
		require.True(t, ev.Valid(), ev)
	}
	require.False(t, SubscriptionEvent("").Valid())
	require.False(t, SubscriptionEvent("Pause").Valid())
}

func TestCancellationReasons(t *testing.T) {
	t.Parallel()
	implied := map[SubscriptionEvent]CancellationReason{
		SubEventRetriesExhausted:          CancelPaymentFailed,
		SubEventSystemFailure:             CancelSystemError,
		SubEventCyclesCompleted:           CancelCompleted,
		SubEventTrialEndedNoPaymentMethod: CancelPaymentFailed,
	}
	for _, ev := range subscriptionEvents {
		r, ok := CancellationReasonFor(ev)
		want, has := implied[ev]
		require.Equal(t, has, ok, ev)
		require.Equal(t, want, r, ev)
		if ok {
			require.True(t, r.Valid())
		}
	}
	// Every event that can lead to canceled either implies a reason or is
	// a request whose author the caller knows.
	for _, row := range subTable() {
		if row.to != SubscriptionCanceled {
			continue
		}
		if _, ok := CancellationReasonFor(row.ev); !ok {
			require.Contains(t, []SubscriptionEvent{SubEventCancelNow, SubEventPeriodEndWithCancel}, row.ev)
		}
	}
	for _, r := range []CancellationReason{CancelRequestedByCustomer, CancelRequestedByMerchant, CancelPaymentFailed, CancelSystemError, CancelCompleted} {
		require.True(t, r.Valid(), r)
	}
	require.False(t, CancellationReason("").Valid())
	require.False(t, CancellationReason("fraud").Valid())
}
