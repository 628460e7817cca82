package app

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// TestChargeFacts: what a charge's outcome tells about its gateway, the
// input of billing.GatewayAlerts.
func TestChargeFacts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		res  billing.ChargeResult
		err  error
		want billing.GatewayAlertFacts
	}{
		{"success", billing.ChargeResult{Status: billing.PaymentSucceeded},
			nil, billing.GatewayAlertFacts{Answered: true, Succeeded: true}},
		{"decline", billing.ChargeResult{Status: billing.PaymentFailed, FailureCode: "card_declined"},
			nil, billing.GatewayAlertFacts{Answered: true}},
		{"credentials refused in the answer", billing.ChargeResult{Status: billing.PaymentFailed, FailureCode: billing.CodeGatewayCredentialsInvalid},
			nil, billing.GatewayAlertFacts{Answered: true, CredentialsRefused: true}},
		{"credentials refused as an error", billing.ChargeResult{},
			billing.Invalid("gateway", billing.CodeGatewayCredentialsInvalid, "no"), billing.GatewayAlertFacts{Answered: true, CredentialsRefused: true}},
		{"open circuit", billing.ChargeResult{},
			fmt.Errorf("flow: %w", billing.ErrCircuitOpen), billing.GatewayAlertFacts{CircuitOpen: true}},
		{"unknown outcome", billing.ChargeResult{},
			fmt.Errorf("x: %w", billing.ErrOutcomeUnknown), billing.GatewayAlertFacts{}},
		{"another error", billing.ChargeResult{}, errors.New("boom"), billing.GatewayAlertFacts{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.Gateway = "flow"
			require.Equal(t, tc.want, chargeFacts("flow", tc.res, tc.err))
		})
	}
}

// TestSafeCell: the formula guard of exports.
func TestSafeCell(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":           "",
		"Ana":        "Ana",
		"=1+1":       "'=1+1",
		"+56 2 2345": "'+56 2 2345",
		"-5":         "'-5",
		"@SUM(A1)":   "'@SUM(A1)",
		"\tx":        "'\tx",
		"\rx":        "'\rx",
		"a=b":        "a=b",
	} {
		require.Equal(t, want, safeCell(in), "%q", in)
	}
	require.Equal(t, []string{"'-5", "-5", "-0.05", "2026-01-05T10:00:00Z"},
		row("-5", csvInt(-5), []num{"-0.05"}, num("2026-01-05T10:00:00Z")))
}
