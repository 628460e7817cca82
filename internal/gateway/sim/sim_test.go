package sim_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/postgres/pgtest"
	"github.com/cuota/cuota/internal/sqlite"
)

var (
	testScope = billing.Scope{MerchantID: "mch_test", Mode: billing.ModeTest}
	liveScope = billing.Scope{MerchantID: "mch_test", Mode: billing.ModeLive}
	// fixedNow has nanoseconds, so the tests see the truncation.
	fixedNow = time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)
)

// ledgerStore is what the suite opens: a store (to close) that keeps the
// sim's ledger.
type ledgerStore interface {
	billing.Store
	sim.LedgerStore
}

// backend is a store the suite runs on. The sim is an external system that
// several cuota processes share through the database, so it must behave
// the same on both stores.
type backend struct {
	name string
	// location returns a new, empty database for t (a file path or URL).
	location func(t *testing.T) string
	// open opens (without migrating) the store at a location.
	open func(ctx context.Context, location string) (ledgerStore, error)
}

var backends = []backend{
	{
		name:     "sqlite",
		location: func(t *testing.T) string { return filepath.Join(t.TempDir(), "c.db") },
		open: func(ctx context.Context, path string) (ledgerStore, error) {
			return sqlite.Open(ctx, path, nil)
		},
	},
	{
		// Needs PostgreSQL (TEST_DATABASE_URL or pgtest.DefaultURL): a missing
		// one fails the test, never skips it (docs/architecture.md, "Testing").
		name:     "postgres",
		location: func(t *testing.T) string { return pgtest.URL(t) },
		open: func(ctx context.Context, url string) (ledgerStore, error) {
			return postgres.Open(ctx, url, slog.New(slog.DiscardHandler))
		},
	},
}

// suite lists every test, each run on every backend.
var suite = []struct {
	name string
	fn   func(t *testing.T, b backend)
}{
	{"Name", testName},
	{"TokensAndAttach", testTokensAndAttach},
	{"AttachUnknownTokenRefused", testAttachUnknownTokenRefused},
	{"VisaSucceeds", testVisaSucceeds},
	{"Declines", testDeclines},
	{"IdempotentReplay", testIdempotentReplay},
	{"ReplayWithOtherParametersRefused", testReplayWithOtherParametersRefused},
	{"ConcurrentSameKey", testConcurrentSameKey},
	{"FailAfterFirstIsPerPaymentMethod", testFailAfterFirstIsPerPaymentMethod},
	{"FailAfterFirstReplayOfFirstStillSucceeds", testFailAfterFirstReplayOfFirstStillSucceeds},
	{"TimeoutAfterCharge", testTimeoutAfterCharge},
	{"GatewayErrorAlternates", testGatewayErrorAlternates},
	{"LookupUnknownKey", testLookupUnknownKey},
	{"RefundFull", testRefundFull},
	{"RefundPartial", testRefundPartial},
	{"ConcurrentRefunds", testConcurrentRefunds},
	{"RefundRefusals", testRefundRefusals},
	{"RefundByChargeRef", testRefundByChargeRef},
	{"RefundOfTimedOutCharge", testRefundOfTimedOutCharge},
	{"LookupOfRefundKeyRefused", testLookupOfRefundKeyRefused},
	{"LiveModeRefusedEverywhere", testLiveModeRefusedEverywhere},
	{"ChargeValidation", testChargeValidation},
	{"BareTokenName", testBareTokenName},
	{"LedgerSharedAndDurable", testLedgerSharedAndDurable},
	{"LedgerMatchesMoneyMoved", testLedgerMatchesMoneyMoved},
	{"ChargeManyMatchesCharge", testChargeManyMatchesCharge},
}

func TestSim(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range suite {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, b)
				})
			}
		})
	}
}

// openStore opens and migrates the store at location; the caller closes it.
func (b backend) openStore(t *testing.T, location string) ledgerStore {
	t.Helper()
	ctx := context.Background()
	store, err := b.open(ctx, location)
	if err != nil {
		t.Fatalf("open %s store: %v", b.name, err)
	}
	migrator, ok := store.(interface{ Migrate(context.Context) error })
	if !ok {
		_ = store.Close()
		t.Fatalf("%s store cannot migrate", b.name)
	}
	if err := migrator.Migrate(ctx); err != nil {
		_ = store.Close()
		t.Fatalf("migrate %s store: %v", b.name, err)
	}
	return store
}

// newSim returns a sim gateway on a fresh store whose clock is fixedNow.
func (b backend) newSim(t *testing.T) *sim.Gateway {
	t.Helper()
	store := b.openStore(t, b.location(t))
	t.Cleanup(func() { _ = store.Close() })
	return sim.New(store, func() time.Time { return fixedNow })
}

func attach(t *testing.T, g *sim.Gateway, token string) billing.PaymentMethod {
	t.Helper()
	pm, err := g.AttachToken(context.Background(), testScope, "cus_1", token)
	if err != nil {
		t.Fatalf("attach %s: %v", token, err)
	}
	return pm
}

func chargeReq(pm billing.PaymentMethod, key string, amount int64) billing.ChargeRequest {
	return billing.ChargeRequest{
		Scope:          testScope,
		IdempotencyKey: key,
		Amount:         amount,
		Currency:       "CLP",
		PaymentMethod:  pm,
		Description:    "test",
	}
}

func charge(t *testing.T, g *sim.Gateway, pm billing.PaymentMethod, key string, amount int64) (billing.ChargeResult, error) {
	t.Helper()
	return g.Charge(context.Background(), chargeReq(pm, key, amount))
}

// mustCharge charges and fails the test on any error.
func mustCharge(t *testing.T, g *sim.Gateway, pm billing.PaymentMethod, key string, amount int64) billing.ChargeResult {
	t.Helper()
	res, err := charge(t, g, pm, key, amount)
	if err != nil {
		t.Fatalf("charge %s: %v", key, err)
	}
	return res
}

func ledger(t *testing.T, g *sim.Gateway) []sim.Charge {
	t.Helper()
	l, err := g.Ledger(context.Background())
	if err != nil {
		t.Fatalf("ledger: %v", err)
	}
	return l
}

func lookup(t *testing.T, g *sim.Gateway, key string) (billing.ChargeResult, bool) {
	t.Helper()
	res, found, err := g.LookupCharge(context.Background(), testScope, key)
	if err != nil {
		t.Fatalf("lookup %s: %v", key, err)
	}
	return res, found
}

// wantError checks that err is a *billing.Error of kind invalid with code.
func wantError(t *testing.T, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("error = nil, want %s", code)
	}
	be := billing.AsError(err)
	if be == nil {
		t.Fatalf("error %v is not a *billing.Error (want %s)", err, code)
	}
	if be.Kind != billing.KindInvalid || be.Code != code {
		t.Fatalf("error = %v (kind %s), want kind invalid code %s", err, be.Kind, code)
	}
	if errors.Is(err, billing.ErrOutcomeUnknown) {
		t.Fatalf("refusal %v must not claim an unknown outcome", err)
	}
}

func outcomes(l []sim.Charge) string {
	var parts []string
	for _, c := range l {
		parts = append(parts, c.Outcome)
	}
	return strings.Join(parts, ",")
}

func testName(t *testing.T, b backend) {
	g := b.newSim(t)
	if got := g.Name(); got != billing.GatewaySim {
		t.Fatalf("Name() = %q, want %q", got, billing.GatewaySim)
	}
}

func testTokensAndAttach(t *testing.T, b backend) {
	g := b.newSim(t)
	want := map[string]struct{ brand, last4 string }{
		billing.SimTokVisa:               {"visa", "4242"},
		billing.SimTokChargeDeclined:     {"visa", "0002"},
		billing.SimTokInsufficientFunds:  {"visa", "9995"},
		billing.SimTokLostCard:           {"visa", "9987"},
		billing.SimTokFailAfterFirst:     {"mastercard", "0341"},
		billing.SimTokTimeoutAfterCharge: {"visa", "0077"},
		billing.SimTokGatewayError:       {"amex", "0005"},
	}
	tokens := billing.SimTokens()
	if len(tokens) != len(want) {
		t.Fatalf("billing.SimTokens() = %v, want %d tokens", tokens, len(want))
	}
	for _, tok := range tokens {
		w, ok := want[tok]
		if !ok {
			t.Fatalf("unexpected token %q", tok)
		}
		info, ok := billing.LookupSimToken(tok)
		if !ok || info.Token != tok || info.Brand != w.brand || info.Last4 != w.last4 ||
			info.ExpMonth != 12 || info.ExpYear < 2030 || info.Description == "" {
			t.Errorf("billing.LookupSimToken(%s) = %+v, %v", tok, info, ok)
		}
		pm := attach(t, g, tok)
		if pm.Gateway != billing.GatewaySim || pm.Brand != w.brand || pm.Last4 != w.last4 ||
			pm.ExpMonth != info.ExpMonth || pm.ExpYear != info.ExpYear ||
			pm.Status != billing.PaymentMethodActive || pm.CustomerID != "cus_1" || pm.Scope != testScope {
			t.Errorf("AttachToken(%s) = %+v", tok, pm)
		}
		if !strings.HasPrefix(pm.Token, "simpm_") || !strings.HasSuffix(pm.Token, ":"+tok) {
			t.Errorf("AttachToken(%s).Token = %q, want simpm_…:%s", tok, pm.Token, tok)
		}
		if again := attach(t, g, tok); again.Token == pm.Token {
			t.Errorf("two attachments of %s share the reference %q", tok, pm.Token)
		}
	}
	if _, ok := billing.LookupSimToken("tok_nope"); ok {
		t.Error("billing.LookupSimToken(tok_nope) is ok")
	}
	if l := ledger(t, g); len(l) != 0 {
		t.Errorf("attaching wrote the ledger: %+v", l)
	}
}

func testAttachUnknownTokenRefused(t *testing.T, b backend) {
	g := b.newSim(t)
	for _, tok := range []string{"", "tok_nope", "TOK_VISA", "simpm_x:tok_visa", "pm_card_visa"} {
		_, err := g.AttachToken(context.Background(), testScope, "cus_1", tok)
		wantError(t, err, sim.CodeTokenInvalid)
		if be := billing.AsError(err); be.Param != "token" {
			t.Errorf("AttachToken(%q) param = %q, want token", tok, be.Param)
		}
	}
}

func testVisaSucceeds(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	res := mustCharge(t, g, pm, "in_1-1", 5000)
	if res.Status != billing.PaymentSucceeded || !strings.HasPrefix(res.GatewayRef, "simch_") ||
		res.FailureClass != "" || res.FailureCode != "" {
		t.Fatalf("result = %+v", res)
	}
	l := ledger(t, g)
	want := sim.Charge{Key: "in_1-1", Token: pm.Token, Amount: 5000, Currency: "CLP",
		Outcome: sim.OutcomeSucceeded, Ref: res.GatewayRef, Created: fixedNow.Truncate(time.Microsecond)}
	if len(l) != 1 || !sameEntry(l[0], want) {
		t.Fatalf("ledger = %+v, want [%+v]", l, want)
	}
	// A visa card keeps succeeding.
	for i := 2; i <= 4; i++ {
		if res := mustCharge(t, g, pm, fmt.Sprintf("in_1-%d", i), 5000); res.Status != billing.PaymentSucceeded {
			t.Fatalf("charge %d = %+v", i, res)
		}
	}
	if got := outcomes(ledger(t, g)); got != "succeeded,succeeded,succeeded,succeeded" {
		t.Fatalf("outcomes = %s", got)
	}
}

func sameEntry(a, b sim.Charge) bool {
	return a.Key == b.Key && a.Token == b.Token && a.Amount == b.Amount && a.Currency == b.Currency &&
		a.Outcome == b.Outcome && a.Code == b.Code && a.Ref == b.Ref && a.Refunded == b.Refunded &&
		a.Created.Equal(b.Created)
}

func testDeclines(t *testing.T, b backend) {
	cases := []struct {
		token string
		code  string
		class billing.FailureClass
	}{
		{billing.SimTokChargeDeclined, sim.FailCardDeclined, billing.FailureCustomer},
		{billing.SimTokInsufficientFunds, sim.FailInsufficientFunds, billing.FailureCustomer},
		{billing.SimTokLostCard, sim.FailLostCard, billing.FailureHard},
	}
	for _, tc := range cases {
		t.Run(tc.token, func(t *testing.T) {
			g := b.newSim(t)
			pm := attach(t, g, tc.token)
			for i := 1; i <= 2; i++ { // declines every time
				key := fmt.Sprintf("in_1-%d", i)
				res := mustCharge(t, g, pm, key, 1000)
				if res.Status != billing.PaymentFailed || res.FailureCode != tc.code ||
					res.FailureClass != tc.class || res.FailureMessage == "" {
					t.Fatalf("charge %d = %+v", i, res)
				}
				got, found := lookup(t, g, key)
				if !found || got != res {
					t.Fatalf("lookup = %+v, %v; want %+v", got, found, res)
				}
			}
			l := ledger(t, g)
			if len(l) != 2 {
				t.Fatalf("ledger = %+v", l)
			}
			for _, c := range l {
				if c.Outcome != sim.OutcomeDeclined || c.Code != tc.code || c.Token != pm.Token {
					t.Fatalf("ledger entry = %+v", c)
				}
			}
		})
	}
}

func testIdempotentReplay(t *testing.T, b backend) {
	g := b.newSim(t)
	for _, tok := range []string{billing.SimTokVisa, billing.SimTokChargeDeclined, billing.SimTokLostCard, billing.SimTokFailAfterFirst} {
		pm := attach(t, g, tok)
		key := "in_" + tok + "-1"
		first := mustCharge(t, g, pm, key, 2500)
		second := mustCharge(t, g, pm, key, 2500)
		if first != second {
			t.Errorf("%s: replay = %+v, first = %+v", tok, second, first)
		}
		// Lower-case currency is the same charge.
		r := chargeReq(pm, key, 2500)
		r.Currency = "clp"
		if third, err := g.Charge(context.Background(), r); err != nil || third != first {
			t.Errorf("%s: replay with clp = %+v, %v", tok, third, err)
		}
	}
	l := ledger(t, g)
	if len(l) != 4 {
		t.Fatalf("ledger has %d entries, want 4 (one per key): %+v", len(l), l)
	}
}

func testReplayWithOtherParametersRefused(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	other := attach(t, g, billing.SimTokVisa)
	mustCharge(t, g, pm, "in_1-1", 2500)

	_, err := charge(t, g, pm, "in_1-1", 2600)
	wantError(t, err, billing.CodeIdempotencyKeyReused)
	_, err = charge(t, g, other, "in_1-1", 2500)
	wantError(t, err, billing.CodeIdempotencyKeyReused)
	r := chargeReq(pm, "in_1-1", 2500)
	r.Currency = "USD"
	_, err = g.Charge(context.Background(), r)
	wantError(t, err, billing.CodeIdempotencyKeyReused)

	if l := ledger(t, g); len(l) != 1 {
		t.Fatalf("ledger = %+v", l)
	}
}

func testConcurrentSameKey(t *testing.T, b backend) {
	// Several workers charging the same key at once (a job run twice)
	// charge once, and all of them see that one charge.
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	const workers = 8
	results := make([]billing.ChargeResult, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			results[i], errs[i] = g.Charge(context.Background(), chargeReq(pm, "in_1-1", 5000))
		})
	}
	wg.Wait()
	for i := range workers {
		if errs[i] != nil || results[i] != results[0] || results[i].Status != billing.PaymentSucceeded {
			t.Fatalf("worker %d: %+v, %v (worker 0: %+v)", i, results[i], errs[i], results[0])
		}
	}
	if l := ledger(t, g); len(l) != 1 {
		t.Fatalf("ledger = %+v, want one charge", l)
	}
}

func testFailAfterFirstIsPerPaymentMethod(t *testing.T, b backend) {
	g := b.newSim(t)
	a := attach(t, g, billing.SimTokFailAfterFirst)
	cardB := attach(t, g, billing.SimTokFailAfterFirst)

	if res := mustCharge(t, g, a, "a-1", 1000); res.Status != billing.PaymentSucceeded {
		t.Fatalf("a first = %+v", res)
	}
	for _, key := range []string{"a-2", "a-3"} {
		res := mustCharge(t, g, a, key, 1000)
		if res.Status != billing.PaymentFailed || res.FailureCode != sim.FailCardDeclined ||
			res.FailureClass != billing.FailureCustomer {
			t.Fatalf("a %s = %+v", key, res)
		}
	}
	// cardB is another card from the same token: its first charge succeeds.
	if res := mustCharge(t, g, cardB, "b-1", 1000); res.Status != billing.PaymentSucceeded {
		t.Fatalf("b first = %+v", res)
	}
	if res := mustCharge(t, g, cardB, "b-2", 1000); res.Status != billing.PaymentFailed {
		t.Fatalf("b second = %+v", res)
	}
	if got := outcomes(ledger(t, g)); got != "succeeded,declined,declined,succeeded,declined" {
		t.Fatalf("outcomes = %s", got)
	}
}

func testFailAfterFirstReplayOfFirstStillSucceeds(t *testing.T, b backend) {
	// The counter counts successes, so a replayed first charge does not
	// turn into a decline.
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokFailAfterFirst)
	first := mustCharge(t, g, pm, "k-1", 1000)
	if again := mustCharge(t, g, pm, "k-1", 1000); again != first || again.Status != billing.PaymentSucceeded {
		t.Fatalf("replay of first = %+v, first = %+v", again, first)
	}
}

func testTimeoutAfterCharge(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokTimeoutAfterCharge)
	res, err := charge(t, g, pm, "in_1-1", 7000)
	if !errors.Is(err, billing.ErrOutcomeUnknown) || !errors.Is(err, sim.ErrTimeoutAfterCharge) {
		t.Fatalf("charge error = %v, want one wrapping ErrOutcomeUnknown", err)
	}
	if billing.AsError(err) != nil {
		t.Fatalf("a timeout must not be a *billing.Error: %v", err)
	}
	if res != (billing.ChargeResult{}) {
		t.Fatalf("result with a timeout = %+v, want zero", res)
	}
	// The money moved.
	l := ledger(t, g)
	if len(l) != 1 || l[0].Outcome != sim.OutcomeSucceeded || l[0].Amount != 7000 || l[0].Ref == "" {
		t.Fatalf("ledger = %+v", l)
	}
	// Reconciliation finds the success.
	got, found := lookup(t, g, "in_1-1")
	if !found || got.Status != billing.PaymentSucceeded || got.GatewayRef != l[0].Ref {
		t.Fatalf("lookup = %+v, %v", got, found)
	}
	// A replay reports the recorded success, charges nothing, and does
	// not time out.
	replay, err := charge(t, g, pm, "in_1-1", 7000)
	if err != nil || replay != got {
		t.Fatalf("replay = %+v, %v; want %+v", replay, err, got)
	}
	// Every new charge of the card times out after charging.
	if _, err := charge(t, g, pm, "in_1-2", 7000); !errors.Is(err, billing.ErrOutcomeUnknown) {
		t.Fatalf("second charge error = %v", err)
	}
	if got := outcomes(ledger(t, g)); got != "succeeded,succeeded" {
		t.Fatalf("outcomes = %s", got)
	}
}

func testGatewayErrorAlternates(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokGatewayError)
	other := attach(t, g, billing.SimTokGatewayError)

	for i := 1; i <= 4; i++ {
		key := fmt.Sprintf("in_1-%d", i)
		res, err := charge(t, g, pm, key, 3000)
		if i%2 == 1 {
			if !errors.Is(err, billing.ErrOutcomeUnknown) || !errors.Is(err, sim.ErrBadGateway) {
				t.Fatalf("call %d: error = %v, want a 502 wrapping ErrOutcomeUnknown", i, err)
			}
			// Nothing moved: reconciliation reports a technical failure.
			got, found := lookup(t, g, key)
			if !found || got.Status != billing.PaymentFailed || got.FailureClass != billing.FailureTechnical ||
				got.FailureCode != sim.FailProcessingError || got.GatewayRef != "" {
				t.Fatalf("call %d: lookup = %+v, %v", i, got, found)
			}
			// A replay reports the same, without another 502 and without
			// a new ledger entry.
			replay, err := charge(t, g, pm, key, 3000)
			if err != nil || replay != got {
				t.Fatalf("call %d: replay = %+v, %v", i, replay, err)
			}
		} else if err != nil || res.Status != billing.PaymentSucceeded {
			t.Fatalf("call %d = %+v, %v; want success", i, res, err)
		}
	}
	// The other card has its own alternation.
	if _, err := charge(t, g, other, "in_2-1", 3000); !errors.Is(err, billing.ErrOutcomeUnknown) {
		t.Fatalf("other card's first call: %v", err)
	}
	if res := mustCharge(t, g, other, "in_2-2", 3000); res.Status != billing.PaymentSucceeded {
		t.Fatalf("other card's second call = %+v", res)
	}
	l := ledger(t, g)
	if got := outcomes(l); got != "error,succeeded,error,succeeded,error,succeeded" {
		t.Fatalf("outcomes = %s", got)
	}
	for _, c := range l {
		if c.Outcome == sim.OutcomeError && (c.Code != sim.FailProcessingError || c.Ref != "") {
			t.Fatalf("error entry = %+v", c)
		}
	}
}

func testLookupUnknownKey(t *testing.T, b backend) {
	g := b.newSim(t)
	res, found, err := g.LookupCharge(context.Background(), testScope, "in_never-1")
	if err != nil || found || res != (billing.ChargeResult{}) {
		t.Fatalf("lookup = %+v, %v, %v; want not found", res, found, err)
	}
}

func refund(g *sim.Gateway, key, chargeKey string, amount int64) (billing.RefundResult, error) {
	return g.Refund(context.Background(), billing.RefundRequest{
		Scope: testScope, IdempotencyKey: key, ChargeKey: chargeKey, Amount: amount, Currency: "CLP",
	})
}

func entry(t *testing.T, g *sim.Gateway, key string) sim.Charge {
	t.Helper()
	for _, c := range ledger(t, g) {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("no ledger entry %q", key)
	return sim.Charge{}
}

func testRefundFull(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	mustCharge(t, g, pm, "in_1-1", 5000)
	res, err := refund(g, "re_1", "in_1-1", 5000)
	if err != nil || res.Status != billing.RefundSucceeded || !strings.HasPrefix(res.GatewayRef, "simre_") {
		t.Fatalf("refund = %+v, %v", res, err)
	}
	if c := entry(t, g, "in_1-1"); c.Refunded != 5000 {
		t.Fatalf("charge refunded = %d", c.Refunded)
	}
	r := entry(t, g, "re_1")
	if r.Outcome != sim.OutcomeRefund || r.Token != "in_1-1" || r.Amount != 5000 || r.Currency != "CLP" ||
		r.Ref != res.GatewayRef || !r.Created.Equal(fixedNow.Truncate(time.Microsecond)) {
		t.Fatalf("refund entry = %+v", r)
	}
	// Nothing is left to refund.
	_, err = refund(g, "re_2", "in_1-1", 1)
	wantError(t, err, sim.CodeRefundExceedsCharge)
	// But replaying the refund returns it again, without refunding twice.
	again, err := refund(g, "re_1", "in_1-1", 5000)
	if err != nil || again != res {
		t.Fatalf("refund replay = %+v, %v; want %+v", again, err, res)
	}
	if c := entry(t, g, "in_1-1"); c.Refunded != 5000 {
		t.Fatalf("charge refunded after replay = %d", c.Refunded)
	}
	if got := outcomes(ledger(t, g)); got != "succeeded,refund" {
		t.Fatalf("outcomes = %s", got)
	}
}

func testRefundPartial(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	mustCharge(t, g, pm, "in_1-1", 10000)

	if _, err := refund(g, "re_1", "in_1-1", 4000); err != nil {
		t.Fatal(err)
	}
	// More than what is left is refused and changes nothing.
	_, err := refund(g, "re_2", "in_1-1", 6001)
	wantError(t, err, sim.CodeRefundExceedsCharge)
	if c := entry(t, g, "in_1-1"); c.Refunded != 4000 {
		t.Fatalf("refunded = %d, want 4000", c.Refunded)
	}
	// The refused key was not used up.
	if _, err := refund(g, "re_2", "in_1-1", 6000); err != nil {
		t.Fatal(err)
	}
	if c := entry(t, g, "in_1-1"); c.Refunded != 10000 {
		t.Fatalf("refunded = %d, want 10000", c.Refunded)
	}
	if got := outcomes(ledger(t, g)); got != "succeeded,refund,refund" {
		t.Fatalf("outcomes = %s", got)
	}
	// Reusing a refund key for another amount is refused.
	_, err = refund(g, "re_1", "in_1-1", 3000)
	wantError(t, err, billing.CodeIdempotencyKeyReused)
}

func testConcurrentRefunds(t *testing.T, b backend) {
	// Refunds of one charge racing each other (different keys) never
	// return more than the charge collected.
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	mustCharge(t, g, pm, "in_1-1", 10000)
	const workers = 8
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			_, errs[i] = refund(g, fmt.Sprintf("re_%d", i), "in_1-1", 3000)
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
			continue
		}
		if be := billing.AsError(err); be == nil || be.Code != sim.CodeRefundExceedsCharge {
			t.Fatalf("worker %d: %v", i, err)
		}
	}
	if ok != 3 {
		t.Fatalf("%d refunds of 3000 succeeded on a charge of 10000, want 3", ok)
	}
	if c := entry(t, g, "in_1-1"); c.Refunded != 9000 {
		t.Fatalf("refunded = %d, want 9000", c.Refunded)
	}
	if got := outcomes(ledger(t, g)); got != "succeeded,refund,refund,refund" {
		t.Fatalf("outcomes = %s", got)
	}
}

func testRefundRefusals(t *testing.T, b backend) {
	g := b.newSim(t)
	visa := attach(t, g, billing.SimTokVisa)
	declined := attach(t, g, billing.SimTokChargeDeclined)
	flaky := attach(t, g, billing.SimTokGatewayError)
	mustCharge(t, g, visa, "ok-1", 5000)
	mustCharge(t, g, declined, "no-1", 5000)
	if _, err := charge(t, g, flaky, "err-1", 5000); !errors.Is(err, billing.ErrOutcomeUnknown) {
		t.Fatal(err)
	}
	before := ledger(t, g)

	_, err := refund(g, "re_a", "ok-1", 5001)
	wantError(t, err, sim.CodeRefundExceedsCharge)
	_, err = refund(g, "re_b", "missing-1", 100)
	wantError(t, err, sim.CodeChargeNotFound)
	_, err = refund(g, "re_c", "no-1", 100)
	wantError(t, err, sim.CodeChargeNotRefundable)
	_, err = refund(g, "re_d", "err-1", 100)
	wantError(t, err, sim.CodeChargeNotRefundable)
	_, err = refund(g, "re_e", "ok-1", 0)
	wantError(t, err, billing.CodeAmountInvalid)
	_, err = refund(g, "re_f", "", 100)
	wantError(t, err, billing.CodeParameterMissing)
	_, err = g.Refund(context.Background(), billing.RefundRequest{
		Scope: testScope, IdempotencyKey: "re_g", ChargeKey: "ok-1", Amount: 100, Currency: "USD"})
	wantError(t, err, billing.CodeCurrencyInvalid)
	// A charge key used as a refund key is not a refund of it.
	_, err = refund(g, "ok-1", "ok-1", 100)
	wantError(t, err, billing.CodeIdempotencyKeyReused)

	if after := ledger(t, g); len(after) != len(before) || after[0].Refunded != 0 {
		t.Fatalf("refusals changed the ledger: %+v", after)
	}
}

func testRefundByChargeRef(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	res := mustCharge(t, g, pm, "in_1-1", 5000)
	if _, err := g.Refund(context.Background(), billing.RefundRequest{
		Scope: testScope, IdempotencyKey: "re_1", ChargeRef: res.GatewayRef, Amount: 2000}); err != nil {
		t.Fatal(err)
	}
	if c := entry(t, g, "in_1-1"); c.Refunded != 2000 {
		t.Fatalf("refunded = %d", c.Refunded)
	}
	_, err := g.Refund(context.Background(), billing.RefundRequest{
		Scope: testScope, IdempotencyKey: "re_2", ChargeRef: "simch_nope", Amount: 1})
	wantError(t, err, sim.CodeChargeNotFound)
	_, err = g.Refund(context.Background(), billing.RefundRequest{
		Scope: testScope, IdempotencyKey: "re_3", ChargeKey: "in_1-1", ChargeRef: "simch_nope", Amount: 1})
	wantError(t, err, billing.CodeParameterInvalid)
}

func testRefundOfTimedOutCharge(t *testing.T, b backend) {
	// The reversal path: money moved behind a timeout can be returned.
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokTimeoutAfterCharge)
	if _, err := charge(t, g, pm, "in_1-1", 5000); !errors.Is(err, billing.ErrOutcomeUnknown) {
		t.Fatal(err)
	}
	if _, err := refund(g, "re_1", "in_1-1", 5000); err != nil {
		t.Fatal(err)
	}
}

func testLookupOfRefundKeyRefused(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	mustCharge(t, g, pm, "in_1-1", 5000)
	if _, err := refund(g, "re_1", "in_1-1", 100); err != nil {
		t.Fatal(err)
	}
	_, found, err := g.LookupCharge(context.Background(), testScope, "re_1")
	wantError(t, err, billing.CodeIdempotencyKeyReused)
	if found {
		t.Fatal("a refund was found as a charge")
	}
	_, err = charge(t, g, pm, "re_1", 100)
	wantError(t, err, billing.CodeIdempotencyKeyReused)
}

func testLiveModeRefusedEverywhere(t *testing.T, b backend) {
	g := b.newSim(t)
	ctx := context.Background()
	pm := attach(t, g, billing.SimTokVisa)
	mustCharge(t, g, pm, "in_1-1", 5000)

	for _, scope := range []billing.Scope{liveScope, {MerchantID: "mch_test"}} {
		_, err := g.AttachToken(ctx, scope, "cus_1", billing.SimTokVisa)
		wantError(t, err, sim.CodeLiveMode)
		if !strings.Contains(err.Error(), "only in test mode") {
			t.Errorf("message %q does not say test mode only", err)
		}

		r := chargeReq(pm, "in_live-1", 5000)
		r.Scope = scope
		res, err := g.Charge(ctx, r)
		wantError(t, err, sim.CodeLiveMode)
		if res.Status == billing.PaymentSucceeded {
			t.Error("live charge reported success")
		}
		// Not even a replay of a recorded test charge.
		r.IdempotencyKey = "in_1-1"
		res, err = g.Charge(ctx, r)
		wantError(t, err, sim.CodeLiveMode)
		if res.Status == billing.PaymentSucceeded {
			t.Error("live replay reported success")
		}

		res, found, err := g.LookupCharge(ctx, scope, "in_1-1")
		wantError(t, err, sim.CodeLiveMode)
		if found || res.Status == billing.PaymentSucceeded {
			t.Error("live lookup found the test charge")
		}

		rr, err := g.Refund(ctx, billing.RefundRequest{Scope: scope, IdempotencyKey: "re_live",
			ChargeKey: "in_1-1", Amount: 100})
		wantError(t, err, sim.CodeLiveMode)
		if rr.Status == billing.RefundSucceeded {
			t.Error("live refund reported success")
		}
	}
	if l := ledger(t, g); len(l) != 1 || l[0].Refunded != 0 {
		t.Fatalf("live calls changed the ledger: %+v", l)
	}
}

func testChargeValidation(t *testing.T, b backend) {
	g := b.newSim(t)
	pm := attach(t, g, billing.SimTokVisa)
	cases := []struct {
		name  string
		edit  func(*billing.ChargeRequest)
		code  string
		param string
	}{
		{"zero amount", func(r *billing.ChargeRequest) { r.Amount = 0 }, billing.CodeAmountInvalid, "amount"},
		{"negative amount", func(r *billing.ChargeRequest) { r.Amount = -5 }, billing.CodeAmountInvalid, "amount"},
		{"no currency", func(r *billing.ChargeRequest) { r.Currency = "" }, billing.CodeCurrencyInvalid, "currency"},
		{"no key", func(r *billing.ChargeRequest) { r.IdempotencyKey = "" }, billing.CodeParameterMissing, "idempotency_key"},
		{"unknown token", func(r *billing.ChargeRequest) { r.PaymentMethod.Token = "simpm_x:tok_nope" },
			sim.CodeTokenInvalid, "payment_method"},
		{"garbage token", func(r *billing.ChargeRequest) { r.PaymentMethod.Token = "cus_123" },
			sim.CodeTokenInvalid, "payment_method"},
		{"bad reference", func(r *billing.ChargeRequest) { r.PaymentMethod.Token = "pm_x:tok_visa" },
			sim.CodeTokenInvalid, "payment_method"},
		{"empty token", func(r *billing.ChargeRequest) { r.PaymentMethod.Token = "" },
			sim.CodeTokenInvalid, "payment_method"},
		{"other gateway", func(r *billing.ChargeRequest) { r.PaymentMethod.Gateway = billing.GatewayStripe },
			billing.CodeParameterInvalid, "payment_method"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := chargeReq(pm, "in_1-1", 5000)
			tc.edit(&r)
			_, err := g.Charge(context.Background(), r)
			wantError(t, err, tc.code)
			if be := billing.AsError(err); be.Param != tc.param {
				t.Errorf("param = %q, want %q", be.Param, tc.param)
			}
		})
	}
	if l := ledger(t, g); len(l) != 0 {
		t.Fatalf("refused charges reached the ledger: %+v", l)
	}
}

func testBareTokenName(t *testing.T, b backend) {
	// A payment method whose Token is a bare test token (built by hand in
	// a test) works; all such payment methods count as one card.
	g := b.newSim(t)
	pm := billing.PaymentMethod{Gateway: billing.GatewaySim, Token: billing.SimTokFailAfterFirst}
	if res := mustCharge(t, g, pm, "k-1", 100); res.Status != billing.PaymentSucceeded {
		t.Fatalf("first = %+v", res)
	}
	if res := mustCharge(t, g, pm, "k-2", 100); res.Status != billing.PaymentFailed {
		t.Fatalf("second = %+v", res)
	}
}

func testLedgerSharedAndDurable(t *testing.T, b backend) {
	// Two stores on one database (two cuota processes) see one gateway,
	// and the ledger outlives the process (a store opened afterwards).
	ctx := context.Background()
	loc := b.location(t)
	store1 := b.openStore(t, loc)
	t.Cleanup(func() { _ = store1.Close() })
	store2 := b.openStore(t, loc)
	t.Cleanup(func() { _ = store2.Close() })
	g1 := sim.New(store1, func() time.Time { return fixedNow })
	g2 := sim.New(store2, nil)

	pm := attach(t, g1, billing.SimTokFailAfterFirst)
	first := mustCharge(t, g1, pm, "in_1-1", 1000)
	if res := mustCharge(t, g2, pm, "in_1-2", 1000); res.Status != billing.PaymentFailed {
		t.Fatalf("second charge through the other process = %+v", res)
	}
	if res := mustCharge(t, g2, pm, "in_1-1", 1000); res != first {
		t.Fatalf("replay through the other process = %+v, want %+v", res, first)
	}
	if err := store1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := store2.Close(); err != nil {
		t.Fatal(err)
	}

	reopened := b.openStore(t, loc)
	t.Cleanup(func() { _ = reopened.Close() })
	g3 := sim.New(reopened, nil)
	if got, found, err := g3.LookupCharge(ctx, testScope, "in_1-1"); err != nil || !found || got != first {
		t.Fatalf("lookup after reopen = %+v, %v, %v", got, found, err)
	}
	if res := mustCharge(t, g3, pm, "in_1-3", 1000); res.Status != billing.PaymentFailed {
		t.Fatalf("charge after reopen = %+v", res)
	}
	if got := outcomes(ledger(t, g3)); got != "succeeded,declined,declined" {
		t.Fatalf("outcomes = %s", got)
	}
}

func testLedgerMatchesMoneyMoved(t *testing.T, b backend) {
	// The ledger is what tests compare with cuota's records: the sum of
	// succeeded charges minus refunds is the money the customer paid.
	g := b.newSim(t)
	visa := attach(t, g, billing.SimTokVisa)
	declined := attach(t, g, billing.SimTokInsufficientFunds)
	flaky := attach(t, g, billing.SimTokGatewayError)
	mustCharge(t, g, visa, "a-1", 1000)
	mustCharge(t, g, visa, "a-1", 1000) // replay: no money
	mustCharge(t, g, declined, "b-1", 2000)
	_, _ = charge(t, g, flaky, "c-1", 3000) // 502: no money
	mustCharge(t, g, flaky, "c-2", 3000)
	if _, err := refund(g, "re_1", "c-2", 500); err != nil {
		t.Fatal(err)
	}
	var net int64
	for _, c := range ledger(t, g) {
		if c.Outcome == sim.OutcomeSucceeded {
			net += c.Amount - c.Refunded
		}
	}
	if net != 1000+3000-500 {
		t.Fatalf("net money moved = %d, want 3500", net)
	}
}

// testChargeManyMatchesCharge runs one batch through ChargeMany on one sim
// and, request by request, through Charge on another with the same
// history: every answer and the resulting ledgers must agree, for every
// card, for replays of earlier calls and for a key repeated in the batch.
func testChargeManyMatchesCharge(t *testing.T, b backend) {
	one, many := b.newSim(t), b.newSim(t)
	tokens := []string{billing.SimTokVisa, billing.SimTokChargeDeclined, billing.SimTokInsufficientFunds, billing.SimTokLostCard,
		billing.SimTokFailAfterFirst, billing.SimTokTimeoutAfterCharge, billing.SimTokGatewayError}
	pms := map[string]billing.PaymentMethod{}
	for _, tok := range tokens {
		pms[tok] = attach(t, one, tok) // a card's token works on every sim
	}
	// History both sims share: one earlier charge of every card.
	for i, tok := range tokens {
		key := fmt.Sprintf("in_hist-%d", i)
		r1, e1 := charge(t, one, pms[tok], key, 5000)
		r2, e2 := charge(t, many, pms[tok], key, 5000)
		sameAnswer(t, key, r1, e1, r2, e2)
	}
	var batch []billing.ChargeRequest
	for i, tok := range tokens {
		batch = append(batch, chargeReq(pms[tok], fmt.Sprintf("in_new-%d", i), 7000))
		batch = append(batch, chargeReq(pms[tok], fmt.Sprintf("in_new2-%d", i), 7000))
	}
	batch = append(batch,
		chargeReq(pms[billing.SimTokVisa], "in_hist-0", 5000),               // a replay: the recorded answer
		chargeReq(pms[billing.SimTokVisa], "in_hist-1", 5000),               // a key of another card: refused
		chargeReq(pms[billing.SimTokTimeoutAfterCharge], "in_hist-5", 5000), // replayed, it no longer times out
		chargeReq(pms[billing.SimTokVisa], "in_new-0", 7000),                // repeated within the batch
		chargeReq(pms[billing.SimTokVisa], "in_new-3", 1),                   // repeated with other parameters
		chargeReq(pms[billing.SimTokVisa], "", 7000),                        // invalid: this request only
	)
	results, errs := many.ChargeMany(context.Background(), batch)
	if len(results) != len(batch) || len(errs) != len(batch) {
		t.Fatalf("ChargeMany answered %d results and %d errors for %d requests", len(results), len(errs), len(batch))
	}
	for i, r := range batch {
		res, err := one.Charge(context.Background(), r)
		sameAnswer(t, fmt.Sprintf("request %d (%s)", i, r.IdempotencyKey), res, err, results[i], errs[i])
	}
	l1, l2 := ledger(t, one), ledger(t, many)
	if len(l1) != len(l2) {
		t.Fatalf("ledgers have %d and %d entries", len(l1), len(l2))
	}
	byKey := map[string]sim.Charge{}
	for _, c := range l2 {
		byKey[c.Key] = c
	}
	for _, c := range l1 {
		d, ok := byKey[c.Key]
		if !ok {
			t.Fatalf("ChargeMany's ledger has no %s", c.Key)
		}
		if c.Token != d.Token || c.Amount != d.Amount || c.Outcome != d.Outcome || c.Code != d.Code || (c.Ref == "") != (d.Ref == "") {
			t.Fatalf("ledger entry %s: Charge recorded %+v, ChargeMany %+v", c.Key, c, d)
		}
	}
}

// sameAnswer fails unless two gateway answers mean the same thing.
func sameAnswer(t *testing.T, what string, r1 billing.ChargeResult, e1 error, r2 billing.ChargeResult, e2 error) {
	t.Helper()
	if (e1 == nil) != (e2 == nil) || errors.Is(e1, billing.ErrOutcomeUnknown) != errors.Is(e2, billing.ErrOutcomeUnknown) {
		t.Fatalf("%s: errors differ: %v and %v", what, e1, e2)
	}
	if be1, be2 := billing.AsError(e1), billing.AsError(e2); (be1 == nil) != (be2 == nil) || (be1 != nil && be1.Code != be2.Code) {
		t.Fatalf("%s: refusals differ: %v and %v", what, e1, e2)
	}
	if r1.Status != r2.Status || r1.FailureClass != r2.FailureClass || r1.FailureCode != r2.FailureCode || (r1.GatewayRef == "") != (r2.GatewayRef == "") {
		t.Fatalf("%s: results differ: %+v and %+v", what, r1, r2)
	}
}
