package flowsim_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flow"
)

// TestTimeoutAfterCharge: the charge commits, the answer never comes, the
// client's own timeout fires. The client must report an unknown outcome,
// the ledger has the charge, and getStatusByCommerceId resolves it.
func TestTimeoutAfterCharge(t *testing.T) {
	for _, tc := range []struct {
		name  string
		card  string
		setup func(e *env, cus string)
	}{
		{"injected on the next charge", flowsim.CardVisa, func(e *env, _ string) {
			e.sim.FaultNextCharges(1, flowsim.FaultHangAfterCommit)
		}},
		{"the timeout test card", flowsim.CardTimeoutAfterCharge, func(*env, string) {}},
		{"a customer rule", flowsim.CardVisa, func(e *env, cus string) {
			e.sim.SetCustomerFault(cus, flowsim.FaultHangAfterCommit)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, flowsim.Options{})
			cus := e.customer(t, tc.card)
			tc.setup(e, cus)
			committed := make(chan struct{})
			e.sim.OnCharge(func(flowsim.Entry) { close(committed) })
			// The server holds the answer until this client's own timeout
			// fires: the test waits for that, never for a clock of its own.
			impatient := newClient(t, e.ts.URL, e.sim.APIKey(), e.sim.Secret(), time.Second)
			_, err := impatient.Charge(context.Background(), flow.ChargeRequest{
				CustomerID: cus, CommerceOrder: "inv_7:1", Subject: "Plan", Amount: 9990,
			})
			require.Error(t, err)
			require.True(t, flow.IsOutcomeUnknown(err), "%v", err)
			var ce *flow.CallError
			require.ErrorAs(t, err, &ce)
			require.True(t, ce.Sent)
			<-committed

			led := e.sim.LedgerFor("inv_7:1")
			require.Len(t, led, 1)
			require.True(t, led[0].MovedMoney(), "the money moved")

			st, err := e.client.GetPaymentStatusByCommerceID(context.Background(), "inv_7:1")
			require.NoError(t, err)
			require.Equal(t, flow.PaymentPaid, st.State())
			require.Equal(t, led[0].FlowOrder, int64Of(t, st.FlowOrder))
		})
	}
}

// TestReleaseDeliversAHeldAnswer uses the commit hook to release the
// withheld answer exactly after the charge is recorded.
func TestReleaseDeliversAHeldAnswer(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	cus := e.customer(t, flowsim.CardVisa)
	e.sim.FaultNextCharges(1, flowsim.FaultHangAfterCommit)
	var hooked []flowsim.Entry
	e.sim.OnCharge(func(en flowsim.Entry) {
		hooked = append(hooked, en)
		e.sim.Release()
	})
	p, err := e.charge(t, cus, "held-1", 1000)
	require.NoError(t, err)
	require.Equal(t, flow.PaymentPaid, p.State())
	require.Len(t, hooked, 1)
	require.Equal(t, e.sim.LedgerFor("held-1"), hooked)
}

// TestClientGivesUpAfterCommit cancels the caller's context right after the
// commit (no timers at all).
func TestClientGivesUpAfterCommit(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	cus := e.customer(t, flowsim.CardVisa)
	e.sim.SetCardFault(flowsim.CardVisa, flowsim.FaultHangAfterCommit)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e.sim.OnCharge(func(flowsim.Entry) { cancel() })
	_, err := e.client.Charge(ctx, flow.ChargeRequest{CustomerID: cus, CommerceOrder: "gone-1", Subject: "s", Amount: 1000})
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, flow.IsOutcomeUnknown(err))
	require.Len(t, e.sim.LedgerFor("gone-1"), 1)
}

func TestAfterCommitFaults(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()

	t.Run("dropped connection", func(t *testing.T) {
		cus := e.customer(t, flowsim.CardVisa)
		e.sim.SetCustomerFault(cus, flowsim.FaultDropAfterCommit)
		_, err := e.charge(t, cus, "drop-1", 1000)
		var ce *flow.CallError
		require.ErrorAs(t, err, &ce)
		require.True(t, ce.Sent)
		require.True(t, flow.IsOutcomeUnknown(err))
		require.Len(t, e.sim.LedgerFor("drop-1"), 1)
		e.sim.SetCustomerFault(cus, flowsim.FaultNone)
		p, err := e.charge(t, cus, "drop-2", 1000)
		require.NoError(t, err)
		require.Equal(t, flow.PaymentPaid, p.State())
	})
	t.Run("502 after commit, by card last 4", func(t *testing.T) {
		cus := e.customer(t, flowsim.CardMastercard)
		e.sim.SetCardFault("4444", flowsim.FaultErrorAfterCommit)
		defer e.sim.SetCardFault("4444", flowsim.FaultNone)
		_, err := e.charge(t, cus, "err-1", 1000)
		fe, ok := flow.AsError(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, http.StatusBadGateway, fe.HTTPStatus)
		require.True(t, flow.IsOutcomeUnknown(err))
		require.Len(t, e.sim.LedgerFor("err-1"), 1)
	})
	t.Run("500 before commit", func(t *testing.T) {
		cus := e.customer(t, flowsim.CardVisa)
		e.sim.FaultNextCharges(1, flowsim.FaultServerError)
		_, err := e.charge(t, cus, "srv-1", 1000)
		require.True(t, flow.IsOutcomeUnknown(err), "the client cannot know it did not commit")
		require.Empty(t, e.sim.LedgerFor("srv-1"))
		_, err = e.client.GetPaymentStatusByCommerceID(ctx, "srv-1")
		require.True(t, flow.IsTransactionNotFound(err), "resolved: it never happened")
	})
	t.Run("forced decline and approve", func(t *testing.T) {
		good := e.customer(t, flowsim.CardVisa)
		bad := e.customer(t, flowsim.CardDeclined)
		e.sim.SetCustomerFault(good, flowsim.FaultDecline)
		e.sim.SetCustomerFault(bad, flowsim.FaultApprove)
		p, err := e.charge(t, good, "force-1", 1000)
		require.NoError(t, err)
		require.Equal(t, flow.PaymentRejected, p.State())
		p, err = e.charge(t, bad, "force-2", 1000)
		require.NoError(t, err)
		require.Equal(t, flow.PaymentPaid, p.State())
		e.sim.ResetFaults()
		p, err = e.charge(t, good, "force-3", 1000)
		require.NoError(t, err)
		require.Equal(t, flow.PaymentPaid, p.State())
	})
}

func TestFailNext(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()
	cus := e.customer(t, flowsim.CardVisa)
	e.sim.FailNext(2, http.StatusServiceUnavailable)

	_, err := e.charge(t, cus, "5xx-1", 1000)
	fe, ok := flow.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, http.StatusServiceUnavailable, fe.HTTPStatus)
	require.True(t, flow.IsOutcomeUnknown(err))
	require.Empty(t, e.sim.LedgerFor("5xx-1"), "failed before anything was processed")

	_, err = e.client.GetPaymentStatusByCommerceID(ctx, "5xx-1")
	require.True(t, flow.IsOutcomeUnknown(err), "reads fail too")

	_, err = e.client.GetPaymentStatusByCommerceID(ctx, "5xx-1")
	require.True(t, flow.IsTransactionNotFound(err), "%v", err)

	e.sim.FailNext(1, 200) // not a 5xx: 500
	_, err = e.client.GetCustomer(ctx, cus)
	fe, ok = flow.AsError(err)
	require.True(t, ok)
	require.Equal(t, http.StatusInternalServerError, fe.HTTPStatus)
}

func TestLatency(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()
	cus := e.customer(t, flowsim.CardVisa)
	// An hour of latency against a client that waits half a second: the
	// client gives up, and the call was never processed.
	e.sim.SetLatency("customer/charge", time.Hour)
	impatient := newClient(t, e.ts.URL, e.sim.APIKey(), e.sim.Secret(), 500*time.Millisecond)
	_, err := impatient.Charge(ctx, flow.ChargeRequest{CustomerID: cus, CommerceOrder: "slow-1", Subject: "s", Amount: 1000})
	require.True(t, flow.IsOutcomeUnknown(err), "%v", err)
	require.Empty(t, e.sim.LedgerFor("slow-1"))

	// Other services are not delayed.
	_, err = e.client.GetCustomer(ctx, cus)
	require.NoError(t, err)

	e.sim.SetLatency("customer/charge", 0)
	p, err := e.client.Charge(ctx, flow.ChargeRequest{CustomerID: cus, CommerceOrder: "slow-2", Subject: "s", Amount: 1000})
	require.NoError(t, err)
	require.Equal(t, flow.PaymentPaid, p.State())
}
