package billing

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const dunningDay = 24 * time.Hour

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	got, err := ParseSchedule([]string{"1d", "3d", "5d", "7d"})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{dunningDay, 3 * dunningDay, 5 * dunningDay, 7 * dunningDay}, got)

	got, err = ParseSchedule([]string{"30m", "36h", " 1d12h ", "90s", "2d", "1d"})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{30 * time.Minute, 36 * time.Hour, 36 * time.Hour, 90 * time.Second, 2 * dunningDay, dunningDay}, got,
		"entries are delays after the previous failure, so they need not increase")

	got, err = ParseSchedule(nil)
	require.NoError(t, err)
	require.Empty(t, got)

	got, err = ParseSchedule([]string{"106751d"}) // just under the largest Duration
	require.NoError(t, err)
	require.Equal(t, 106751*dunningDay, got[0])
}

func TestParseScheduleErrors(t *testing.T) {
	t.Parallel()
	bad := []string{
		"", " ", "0d", "0h0m", "-1d", "+1d", "1.5d", "1 d", "d", "1", "1w", "1D", "1d2", "1dd",
		"1h-5m", "106752d", "99999999999999999999s", "9223372036s9223372036s",
	}
	for _, s := range bad {
		got, err := ParseSchedule([]string{"1d", s})
		require.Nil(t, got, "%q", s)
		e := AsError(err)
		require.NotNil(t, e, "%q should be rejected", s)
		require.Equal(t, KindInvalid, e.Kind)
		require.Equal(t, CodeParameterInvalid, e.Code)
		require.Equal(t, "schedule", e.Param)
		require.True(t, strings.HasPrefix(e.Message, "schedule[1] "), e.Message)
	}
}

func TestFormatDelayRoundTrips(t *testing.T) {
	t.Parallel()
	cases := map[time.Duration]string{
		dunningDay:                       "1d",
		36 * time.Hour:                   "1d12h",
		30 * time.Minute:                 "30m",
		90 * time.Second:                 "1m30s",
		7*dunningDay + time.Second:       "7d1s",
		time.Hour + 500*time.Millisecond: "1h",
		0:                                "0s",
		-time.Hour:                       "0s",
	}
	for d, want := range cases {
		require.Equal(t, want, FormatDelay(d), d)
		if d >= time.Second {
			back, err := ParseSchedule([]string{want})
			require.NoError(t, err)
			require.Equal(t, d.Truncate(time.Second), back[0])
		}
	}
}

func TestDefaultDunningPolicy(t *testing.T) {
	t.Parallel()
	p := DefaultDunningPolicy()
	require.NoError(t, p.Validate())
	require.Equal(t, PolicyCancel, p.FinalAction)
	require.Equal(t, 5, p.MaxAttempts)

	// The renewal fails at 10:00 on the 1st: retries on the 2nd, 5th, 10th
	// and 17th, each counted from the failure before it.
	failed := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	var got []time.Time
	for attempt := 1; ; attempt++ {
		next, ok := p.NextAttempt(failed, attempt)
		if !ok {
			require.Equal(t, 5, attempt, "the fifth failure exhausts the retries")
			break
		}
		got = append(got, next)
		failed = next
	}
	require.Equal(t, []time.Time{
		time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 5, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 10, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 17, 10, 0, 0, 0, time.UTC),
	}, got)

	// Callers cannot change the default by mutating a returned copy.
	p.Schedule[0] = time.Second
	require.Equal(t, dunningDay, DefaultDunningPolicy().Schedule[0])
}

func TestNextAttemptSchedule(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	p := DunningPolicy{Schedule: []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour}, FinalAction: PolicyUnpaid}
	require.NoError(t, p.Validate())
	for attempt, want := range map[int]time.Duration{1: time.Hour, 2: 2 * time.Hour, 3: 3 * time.Hour} {
		next, ok := p.NextAttempt(at, attempt)
		require.True(t, ok, attempt)
		require.Equal(t, at.Add(want), next, attempt)
	}
	for _, attempt := range []int{-1, 0, 4, 5, 100} {
		next, ok := p.NextAttempt(at, attempt)
		require.False(t, ok, attempt)
		require.True(t, next.IsZero())
	}

	// MaxAttempts cuts the schedule short.
	p.MaxAttempts = 2
	require.NoError(t, p.Validate())
	_, ok := p.NextAttempt(at, 1)
	require.True(t, ok)
	_, ok = p.NextAttempt(at, 2)
	require.False(t, ok)

	// No schedule: no retries.
	none := DunningPolicy{FinalAction: PolicyLeavePastDue}
	require.NoError(t, none.Validate())
	_, ok = none.NextAttempt(at, 1)
	require.False(t, ok)
	none.MaxAttempts = 1
	require.NoError(t, none.Validate())

	// An invalid policy retries nothing rather than guessing.
	broken := DunningPolicy{Schedule: []time.Duration{-time.Hour}, FinalAction: PolicyCancel}
	_, ok = broken.NextAttempt(at, 1)
	require.False(t, ok)
}

func TestNextAttemptExponential(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	p := DunningPolicy{
		Exponential: &ExponentialBackoff{Base: 6 * time.Hour, Factor: 2, Cap: 2 * dunningDay},
		MaxAttempts: 8,
		FinalAction: PolicyCancel,
	}
	require.NoError(t, p.Validate())
	want := []time.Duration{6 * time.Hour, 12 * time.Hour, dunningDay, 2 * dunningDay, 2 * dunningDay, 2 * dunningDay, 2 * dunningDay}
	for i, w := range want {
		next, ok := p.NextAttempt(at, i+1)
		require.True(t, ok, i+1)
		require.Equal(t, w, next.Sub(at), "after attempt %d", i+1)
	}
	_, ok := p.NextAttempt(at, 8)
	require.False(t, ok)

	// A cap that is not a power of the factor away from the base.
	p.Exponential = &ExponentialBackoff{Base: time.Hour, Factor: 3, Cap: 20 * time.Hour}
	for attempt, w := range map[int]time.Duration{1: time.Hour, 2: 3 * time.Hour, 3: 9 * time.Hour, 4: 20 * time.Hour, 7: 20 * time.Hour} {
		next, _ := p.NextAttempt(at, attempt)
		require.Equal(t, w, next.Sub(at), attempt)
	}

	// A huge factor and many attempts neither overflow nor exceed the cap.
	p.Exponential = &ExponentialBackoff{Base: time.Hour, Factor: 1 << 40, Cap: 30 * dunningDay}
	p.MaxAttempts = MaxDunningAttempts
	for _, attempt := range []int{2, 3, 50, MaxDunningAttempts - 1} {
		next, ok := p.NextAttempt(at, attempt)
		require.True(t, ok)
		require.Equal(t, 30*dunningDay, next.Sub(at), attempt)
	}

	// Factor 1 is a constant delay.
	p.Exponential = &ExponentialBackoff{Base: time.Hour, Factor: 1, Cap: time.Hour}
	next, _ := p.NextAttempt(at, 40)
	require.Equal(t, time.Hour, next.Sub(at))
}

func TestDunningPolicyValidate(t *testing.T) {
	t.Parallel()
	exp := &ExponentialBackoff{Base: time.Hour, Factor: 2, Cap: dunningDay}
	long := make([]time.Duration, MaxDunningAttempts)
	for i := range long {
		long[i] = time.Hour
	}
	bad := []struct {
		name  string
		p     DunningPolicy
		param string
		code  string
	}{
		{"zero delay", DunningPolicy{Schedule: []time.Duration{dunningDay, 0}, FinalAction: PolicyCancel}, "schedule", CodeParameterInvalid},
		{"negative delay", DunningPolicy{Schedule: []time.Duration{-dunningDay}, FinalAction: PolicyCancel}, "schedule", CodeParameterInvalid},
		{"too many retries", DunningPolicy{Schedule: long, FinalAction: PolicyCancel}, "schedule", CodeParameterInvalid},
		{"both kinds", DunningPolicy{Schedule: []time.Duration{dunningDay}, Exponential: exp, MaxAttempts: 3, FinalAction: PolicyCancel}, "exponential", CodeParameterInvalid},
		{"base", DunningPolicy{Exponential: &ExponentialBackoff{Base: 0, Factor: 2, Cap: dunningDay}, MaxAttempts: 3, FinalAction: PolicyCancel}, "exponential.base", CodeParameterInvalid},
		{"factor", DunningPolicy{Exponential: &ExponentialBackoff{Base: time.Hour, Factor: 0, Cap: dunningDay}, MaxAttempts: 3, FinalAction: PolicyCancel}, "exponential.factor", CodeParameterInvalid},
		{"cap", DunningPolicy{Exponential: &ExponentialBackoff{Base: time.Hour, Factor: 2, Cap: time.Minute}, MaxAttempts: 3, FinalAction: PolicyCancel}, "exponential.cap", CodeParameterInvalid},
		{"exponential without max", DunningPolicy{Exponential: exp, FinalAction: PolicyCancel}, "max_attempts", CodeParameterMissing},
		{"exponential max too high", DunningPolicy{Exponential: exp, MaxAttempts: MaxDunningAttempts + 1, FinalAction: PolicyCancel}, "max_attempts", CodeParameterInvalid},
		{"max beyond schedule", DunningPolicy{Schedule: []time.Duration{dunningDay}, MaxAttempts: 3, FinalAction: PolicyCancel}, "max_attempts", CodeParameterInvalid},
		{"negative max", DunningPolicy{Schedule: []time.Duration{dunningDay}, MaxAttempts: -1, FinalAction: PolicyCancel}, "max_attempts", CodeParameterInvalid},
		{"retries without a schedule", DunningPolicy{MaxAttempts: 2, FinalAction: PolicyCancel}, "max_attempts", CodeParameterInvalid},
		{"missing final action", DunningPolicy{Schedule: []time.Duration{dunningDay}}, "final_action", CodeParameterInvalid},
		{"pause is not a final action", DunningPolicy{Schedule: []time.Duration{dunningDay}, FinalAction: PolicyPause}, "final_action", CodeParameterInvalid},
		{"past_due is spelled leave_past_due", DunningPolicy{Schedule: []time.Duration{dunningDay}, FinalAction: PolicyPastDue}, "final_action", CodeParameterInvalid},
	}
	for _, tc := range bad {
		e := AsError(tc.p.Validate())
		require.NotNil(t, e, tc.name)
		require.Equal(t, KindInvalid, e.Kind, tc.name)
		require.Equal(t, tc.param, e.Param, tc.name)
		require.Equal(t, tc.code, e.Code, tc.name)
	}

	for _, action := range []string{PolicyCancel, PolicyUnpaid, PolicyLeavePastDue} {
		p := DefaultDunningPolicy()
		p.FinalAction = action
		require.NoError(t, p.Validate())
		// The final action is a valid RetriesExhausted transition policy.
		require.NoError(t, TransitionPolicy{RetriesExhausted: action}.Validate())
	}
	require.NoError(t, DunningPolicy{Exponential: exp, MaxAttempts: 1, FinalAction: PolicyCancel}.Validate())
	require.NoError(t, DunningPolicy{Schedule: long[:MaxDunningAttempts-1], FinalAction: PolicyCancel}.Validate())
}

func TestFailureClasses(t *testing.T) {
	t.Parallel()
	consumes := map[FailureClass]bool{
		FailureCustomer:  true,
		FailureHard:      true,
		FailureTechnical: false,
		FailureUnknown:   false,
	}
	for c, want := range consumes {
		require.True(t, c.Valid(), c)
		require.Equal(t, want, c.ConsumesAttempt(), c)
	}
	require.Equal(t, FailureClass("customer"), FailureCustomer)
	require.Equal(t, FailureClass("hard"), FailureHard)
	require.Equal(t, FailureClass("technical"), FailureTechnical)
	require.Equal(t, FailureClass("unknown"), FailureUnknown)
	require.False(t, FailureClass("").Valid())
	require.False(t, FailureClass("soft").Valid())
	require.False(t, FailureClass("").ConsumesAttempt())
}

func TestTechnicalRetryDelay(t *testing.T) {
	t.Parallel()
	want := []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, time.Hour, time.Hour}
	for i, w := range want {
		require.Equal(t, w, TechnicalRetryDelay(i+1), i+1)
	}
	require.Equal(t, time.Minute, TechnicalRetryDelay(0))
	require.Equal(t, time.Minute, TechnicalRetryDelay(-3))
	require.Equal(t, time.Hour, TechnicalRetryDelay(1_000_000))

	var total time.Duration
	for n := 1; n <= MaxTechnicalRetries; n++ {
		total += TechnicalRetryDelay(n)
	}
	require.Less(t, total, 10*time.Hour, "technical retries give up within a working day")
	require.Greater(t, total, 8*time.Hour)
}
