package flowgw_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flowgw"
	"github.com/cuota/cuota/internal/sqlite"
)

// bundle is an adapter on a real SQLite store, talking to flowsim over
// real HTTP.
type bundle struct {
	sim   *flowsim.Server
	flow  *flowgw.Adapter
	store billing.Store
	scope billing.Scope
	cus   billing.Customer
	creds billing.GatewayCredentials
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return setupWith(t, flowsim.Options{}, nil, "http://cuota.test")
}

// setupWith is setup with flowsim's options, the adapter's clock (nil:
// time.Now) and cuota's public URL (where Flow's notifications go).
func setupWith(t *testing.T, simOpts flowsim.Options, clock func() time.Time, publicURL string) *bundle {
	t.Helper()
	ctx := context.Background()
	sim := flowsim.New(simOpts)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	t.Cleanup(sim.Close)
	sim.SetBaseURL(srv.URL)

	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.Migrate(ctx))
	return newBundle(t, store, sim, srv, clock, publicURL)
}

// newBundle is an adapter on store talking to sim (served by srv).
func newBundle(t *testing.T, store billing.Store, sim *flowsim.Server, srv *httptest.Server, clock func() time.Time, publicURL string) *bundle {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	m := billing.Merchant{ID: "mch_flowgw", Name: "Corredora", Timezone: "America/Santiago", Locale: "es-CL", InvoicePrefix: "COR",
		Settings: billing.DefaultMerchantSettings(), Created: now}
	s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
	cus := billing.Customer{ID: "cus_flowgw1", Scope: s, Email: "rosa@example.cl", Name: "Rosa", Metadata: billing.Metadata{},
		Created: now, Updated: now}
	require.NoError(t, store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Merchants.CreateMerchant(ctx, m); err != nil {
			return err
		}
		return tx.Customers.CreateCustomer(ctx, cus)
	}))
	b := &bundle{sim: sim, store: store, scope: s, cus: cus,
		creds: billing.GatewayCredentials{APIKey: sim.APIKey(), Secret: sim.Secret(), Environment: "sandbox", BaseURL: srv.URL + "/api"}}
	b.flow = flowgw.New(flowgw.Options{Store: store, PublicURL: func() string { return publicURL }, Now: clock,
		Credentials: func(context.Context, billing.Scope) (billing.GatewayCredentials, error) { return b.creds, nil }})
	return b
}

func (b *bundle) startSetup(t *testing.T, id string) billing.SetupStart {
	t.Helper()
	st, err := b.flow.StartSetup(context.Background(), billing.SetupRequest{Scope: b.scope, Customer: b.cus,
		Setup: billing.PaymentMethodSetup{ID: id}, ReturnURL: "http://cuota.test/return/flow/setup/" + id})
	require.NoError(t, err)
	return st
}

// TestConcurrentSetupsCreateOneFlowCustomer: many requests for one new
// customer at once create exactly one Flow customer (the "customer already
// exists" problem of hand-written integrations).
func TestConcurrentSetupsCreateOneFlowCustomer(t *testing.T) {
	b := setup(t)
	const n = 8
	var wg sync.WaitGroup
	starts := make([]billing.SetupStart, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			starts[i], errs[i] = b.flow.StartSetup(context.Background(), billing.SetupRequest{Scope: b.scope, Customer: b.cus,
				Setup: billing.PaymentMethodSetup{ID: "setup"}, ReturnURL: "http://cuota.test/return"})
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		require.NotEmpty(t, starts[i].RedirectURL)
	}
	require.Len(t, b.sim.CustomerIDs(), 1)
}

// TestSetupVerifiedWithFlow: the outcome comes from getRegisterStatus; a
// failed enrolment is a failed setup, a good one a payment method whose
// token is the Flow customer.
func TestSetupVerifiedWithFlow(t *testing.T) {
	b := setup(t)
	ctx := context.Background()

	bad := b.startSetup(t, "setup_bad")
	_, err := b.sim.CompleteRegistration(bad.GatewayRef, flowsim.CardEnrolFails)
	require.NoError(t, err)
	out, err := b.flow.FinishSetup(ctx, billing.PaymentMethodSetup{Scope: b.scope, CustomerID: b.cus.ID, GatewayRef: bad.GatewayRef})
	require.NoError(t, err)
	require.Equal(t, billing.SetupFailed, out.Status)

	good := b.startSetup(t, "setup_good")
	pending, err := b.flow.FinishSetup(ctx, billing.PaymentMethodSetup{Scope: b.scope, CustomerID: b.cus.ID, GatewayRef: good.GatewayRef})
	require.NoError(t, err)
	require.NotEqual(t, billing.SetupSucceeded, pending.Status, "not registered until the person finishes")
	_, err = b.sim.CompleteRegistration(good.GatewayRef, flowsim.CardVisa)
	require.NoError(t, err)
	out, err = b.flow.FinishSetup(ctx, billing.PaymentMethodSetup{Scope: b.scope, CustomerID: b.cus.ID, GatewayRef: good.GatewayRef})
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, out.Status)
	require.Equal(t, b.sim.CustomerIDs()[0], out.PaymentMethod.Token)
	require.Equal(t, "4242", out.PaymentMethod.Last4)
	require.Equal(t, billing.GatewayFlow, out.PaymentMethod.Gateway)
}

func (b *bundle) enrolled(t *testing.T, card string) billing.PaymentMethod {
	t.Helper()
	st := b.startSetup(t, "setup_"+card)
	_, err := b.sim.CompleteRegistration(st.GatewayRef, card)
	require.NoError(t, err)
	out, err := b.flow.FinishSetup(context.Background(), billing.PaymentMethodSetup{Scope: b.scope, CustomerID: b.cus.ID, GatewayRef: st.GatewayRef})
	require.NoError(t, err)
	require.Equal(t, billing.SetupSucceeded, out.Status)
	return out.PaymentMethod
}

func charge(pm billing.PaymentMethod, s billing.Scope, key string, amount int64) billing.ChargeRequest {
	return billing.ChargeRequest{Scope: s, IdempotencyKey: key, Amount: amount, Currency: "CLP", PaymentMethod: pm, Description: "Plan mensual"}
}

// TestChargeOutcomes maps Flow's answers onto cuota's: paid, declines by
// class, an unknown outcome never retried, and lookups by commerceOrder.
func TestChargeOutcomes(t *testing.T) {
	b := setup(t)
	ctx := context.Background()

	pm := b.enrolled(t, flowsim.CardVisa)
	res, err := b.flow.Charge(ctx, charge(pm, b.scope, "in_1-1", 9990))
	require.NoError(t, err)
	require.Equal(t, billing.PaymentSucceeded, res.Status)
	require.NotEmpty(t, res.GatewayRef)

	got, found, err := b.flow.LookupCharge(ctx, b.scope, "in_1-1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, res, got)
	_, found, err = b.flow.LookupCharge(ctx, b.scope, "in_never-1")
	require.NoError(t, err)
	require.False(t, found, "Transaction not found: it never happened")

	// A blocked card is a hard decline; an ordinary one a customer decline.
	b.sim.SetCustomerFault(pm.Token, flowsim.FaultDecline)
	res, err = b.flow.Charge(ctx, charge(pm, b.scope, "in_2-1", 9990))
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, res.Status)
	require.Equal(t, billing.FailureCustomer, res.FailureClass)
	b.sim.SetCustomerFault(pm.Token, flowsim.FaultNone)

	blocked := b.enrolled(t, flowsim.CardBlocked)
	res, err = b.flow.Charge(ctx, charge(blocked, b.scope, "in_3-1", 9990))
	require.NoError(t, err)
	require.Equal(t, billing.FailureHard, res.FailureClass)
	require.Equal(t, "card_blocked", res.FailureCode)

	// The answer is lost after Flow charged: unknown, and the lookup finds
	// the charge. The ledger has it once.
	visa := b.enrolled(t, flowsim.CardVisa)
	b.sim.FaultNextCharges(1, flowsim.FaultErrorAfterCommit)
	_, err = b.flow.Charge(ctx, charge(visa, b.scope, "in_4-1", 9990))
	require.ErrorIs(t, err, billing.ErrOutcomeUnknown)
	got, found, err = b.flow.LookupCharge(ctx, b.scope, "in_4-1")
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, billing.PaymentSucceeded, got.Status)
	require.Len(t, b.sim.LedgerFor("in_4-1"), 1)

	// A 5xx before anything happened is still unknown to us (we cannot
	// tell); the lookup says it never happened.
	b.sim.FailNext(1, 503)
	_, err = b.flow.Charge(ctx, charge(visa, b.scope, "in_5-1", 9990))
	require.ErrorIs(t, err, billing.ErrOutcomeUnknown)
	_, found, err = b.flow.LookupCharge(ctx, b.scope, "in_5-1")
	require.NoError(t, err)
	require.False(t, found)

	// Only CLP.
	_, err = b.flow.Charge(ctx, billing.ChargeRequest{Scope: b.scope, IdempotencyKey: "in_6-1", Amount: 100, Currency: "USD", PaymentMethod: visa})
	require.Equal(t, billing.CodeCurrencyNotSupported, billing.AsError(err).Code)
	require.Empty(t, b.sim.LedgerFor("in_6-1"))
}

// TestDailyQuotaIsTechnical: Flow's daily quota per customer is no fault of
// the card: a technical failure, retried later.
func TestDailyQuotaIsTechnical(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	pm := b.enrolled(t, flowsim.CardVisa)
	b.sim.SetDailyQuota(1)
	_, err := b.flow.Charge(ctx, charge(pm, b.scope, "in_q-1", 1000))
	require.NoError(t, err)
	res, err := b.flow.Charge(ctx, charge(pm, b.scope, "in_q-2", 1000))
	require.NoError(t, err)
	require.Equal(t, billing.PaymentFailed, res.Status)
	require.Equal(t, billing.FailureTechnical, res.FailureClass)
	require.Equal(t, "daily_quota_exceeded", res.FailureCode)
}

// TestCircuitBreaker: after repeated calls without an answer, calls fail at
// once, before anything is sent, and the adapter says it is unavailable.
func TestCircuitBreaker(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	pm := b.enrolled(t, flowsim.CardVisa)
	b.sim.FailNext(100, 502)
	for i := range 5 {
		_, err := b.flow.Charge(ctx, charge(pm, b.scope, "in_b-"+string(rune('a'+i)), 1000))
		require.ErrorIs(t, err, billing.ErrOutcomeUnknown)
	}
	require.False(t, b.flow.Available(b.scope))
	before := len(b.sim.Ledger())
	_, err := b.flow.Charge(ctx, charge(pm, b.scope, "in_b-open", 1000))
	require.ErrorIs(t, err, flowgw.ErrUnavailable)
	require.False(t, errors.Is(err, billing.ErrOutcomeUnknown), "nothing was sent: not unknown")
	require.Len(t, b.sim.Ledger(), before)
	other := billing.Scope{MerchantID: "mch_other", Mode: billing.ModeTest}
	require.True(t, b.flow.Available(other), "one breaker per merchant gateway")
}

// TestCheckCredentials: Flow's refusal of a wrong secret or apiKey is
// reported on the right parameter.
func TestCheckCredentials(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	require.NoError(t, b.flow.CheckCredentials(ctx, b.scope, b.creds))
	wrong := b.creds
	wrong.Secret = "0000"
	err := b.flow.CheckCredentials(ctx, b.scope, wrong)
	require.Equal(t, "secret", billing.AsError(err).Param)
	require.Contains(t, err.Error(), "Invalid Signature")
	wrong = b.creds
	wrong.APIKey = "1F90971E-8276-4713-97FF-2BLF5091EE3B"
	err = b.flow.CheckCredentials(ctx, b.scope, wrong)
	require.Equal(t, "api_key", billing.AsError(err).Param)

	// Flow not answering is not a verdict on the credentials.
	b.sim.FailNext(1, 503)
	err = b.flow.CheckCredentials(ctx, b.scope, b.creds)
	require.Equal(t, billing.KindUnavailable, billing.AsError(err).Kind)
	require.Equal(t, billing.CodeGatewayUnavailable, billing.AsError(err).Code)
}
