package scenario_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/sim"
	"github.com/cuota/cuota/internal/invoicepdf"
	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/webhookout"
)

// TestOneOffInvoices: invoices outside any subscription, charged to a
// saved card or sent to the customer with a link to pay them on a pay
// page, on both stores; the sim's ledger matches cuota's payments.
func TestOneOffInvoices(t *testing.T) {
	runScenarios(t, []scenario{
		{"ChargeAutomatically", scenarioOneOffCharged},
		{"ChargeDeclinedThenPaidOnPage", scenarioOneOffDeclined},
		{"SendInvoice", scenarioSendInvoice},
		{"DraftVoidKeepsNumbersGapless", scenarioDraftVoid},
		{"Refused", scenarioOneOffRefused},
		{"PayPageTimeoutReconciled", scenarioPayPageUnknown},
	})
}

func amountPtr(n int64) *int64 { return &n }

// refOf splits a hosted link (…/{section}/{merchant}/{mode}/{id}?t=token)
// into what the hosted pages pass to the app.
func refOf(t *testing.T, link string) app.HostedRef {
	t.Helper()
	u, err := url.Parse(link)
	require.NoError(t, err)
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	require.GreaterOrEqual(t, len(parts), 4, link)
	n := len(parts)
	return app.HostedRef{Scope: billing.Scope{MerchantID: parts[n-3], Mode: billing.Mode(parts[n-2])}, ID: parts[n-1], Token: u.Query().Get("t")}
}

// oneTimePrice creates a one-time price for a new product.
func (h *harness) oneTimePrice(name string, amount int64, currency string) billing.Price {
	h.t.Helper()
	p, err := h.app.Catalog.CreatePrice(h.ctx, h.s, app.CreatePriceParams{Product: h.product(name, nil).ID, UnitAmount: &amount, Currency: currency})
	require.NoError(h.t, err)
	return p
}

func (h *harness) oneOff(p app.CreateInvoiceParams) billing.Invoice {
	h.t.Helper()
	inv, err := h.app.Invoicing.CreateInvoice(h.ctx, h.s, p)
	require.NoError(h.t, err)
	return inv
}

// payOnSimPage pays an open invoice from its hosted page with a test card
// and returns where the browser ends up.
func (h *harness) payOnSimPage(inv billing.Invoice, card string) string {
	h.t.Helper()
	dest, err := h.app.PayPages.PayInvoiceOnPage(h.ctx, refOf(h.t, inv.HostedURL), billing.GatewaySim)
	require.NoError(h.t, err)
	require.Contains(h.t, dest, "/sim/pay/")
	back, err := h.app.PayPages.PaySimPage(h.ctx, refOf(h.t, dest), card)
	require.NoError(h.t, err)
	return back
}

func scenarioOneOffCharged(t *testing.T, h *harness) {
	h.begin("America/Santiago", time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC))
	setupFee := h.oneTimePrice("Instalación", 50_000, "CLP")
	cus := h.customer("ana@example.cl")
	pm := h.attach(cus.ID, billing.SimTokVisa)
	before := len(h.events())

	inv := h.oneOff(app.CreateInvoiceParams{Customer: cus.ID, Finalize: true, Items: []app.InvoiceItemParams{
		{Price: setupFee.ID, Quantity: 2}, {Amount: amountPtr(4_990), Description: "Visita técnica"}}})
	require.Equal(t, billing.InvoicePaid, inv.Status)
	require.Equal(t, "AGEN-000001", inv.Number)
	require.Equal(t, billing.ReasonManual, inv.BillingReason)
	require.Empty(t, inv.SubscriptionID)
	require.Equal(t, pm.ID, inv.PaymentMethodID)
	require.Equal(t, int64(104_990), inv.Total)
	require.Equal(t, int64(104_990), inv.AmountPaid)
	require.Equal(t, "CLP", inv.Currency)
	require.Equal(t, []string{"Instalación × 2", "Visita técnica"}, []string{inv.Lines[0].Description, inv.Lines[1].Description})
	require.Equal(t, []int64{100_000, 4_990}, []int64{inv.Lines[0].Amount, inv.Lines[1].Amount})
	require.Contains(t, inv.HostedURL, "/invoice/"+h.m.ID+"/test/"+inv.ID+"?t=")
	require.Equal(t, []string{app.EventInvoiceCreated, app.EventInvoiceFinalized, app.EventPaymentCreated,
		app.EventPaymentSucceeded, app.EventInvoicePaid}, h.eventsSince(before))
	pays := h.payments(inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentSucceeded, pays[0].Status)
	require.Equal(t, inv.Total, pays[0].Amount)

	// A paid invoice has nothing more to pay, on the page or by the API.
	_, err := h.app.PayPages.PayInvoiceOnPage(h.ctx, refOf(t, inv.HostedURL), billing.GatewaySim)
	requireCode(t, err, billing.CodeInvalidStateTransition)
	_, err = h.app.Collection.PayInvoice(h.ctx, h.s, inv.ID)
	requireCode(t, err, billing.CodeInvalidStateTransition)
	// A refund of a one-off payment goes through the gateway.
	ref, err := h.app.Collection.CreateRefund(h.ctx, h.s, app.CreateRefundParams{Payment: pays[0].ID, Amount: amountPtr(4_990)})
	require.NoError(t, err)
	require.Equal(t, billing.RefundSucceeded, ref.Status)
	refunds, _ := h.ledgerRefunds(pays[0].IdempotencyKey)
	require.Len(t, refunds, 1)
}

func scenarioOneOffDeclined(t *testing.T, h *harness) {
	h.begin("UTC", time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	cus := h.customer("bo@example.com")
	h.attach(cus.ID, billing.SimTokChargeDeclined)
	inv := h.oneOff(app.CreateInvoiceParams{Customer: cus.ID, Currency: "usd", Finalize: true,
		Items: []app.InvoiceItemParams{{Amount: amountPtr(5_000), Description: "Consulting"}}})
	require.Equal(t, billing.InvoiceOpen, inv.Status, "a declined one-off charge leaves the invoice open")
	require.Nil(t, inv.NextAttemptAt, "one-off charges are not retried by themselves")
	pays := h.payments(inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentFailed, pays[0].Status)
	require.Equal(t, sim.FailCardDeclined, pays[0].FailureCode)
	failed := h.lastInvoiceEvent(app.EventInvoicePaymentFailed, inv.ID)
	require.Equal(t, billing.InvoiceOpen, failed.Status)

	page, err := h.app.PayPages.OpenInvoicePage(h.ctx, refOf(t, inv.HostedURL))
	require.NoError(t, err)
	require.Equal(t, []string{billing.GatewaySim}, page.Gateways)
	require.NotNil(t, page.LastFailure)
	require.Equal(t, sim.FailCardDeclined, page.LastFailure.FailureCode)

	// The customer pays on the page with another card.
	back := h.payOnSimPage(inv, billing.SimTokVisa)
	require.Equal(t, inv.HostedURL, back, "the browser comes back to the invoice's page")
	got, err := h.app.Invoicing.GetInvoice(h.ctx, h.s, inv.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, got.Status)
	pays = h.payments(inv.ID)
	require.Len(t, pays, 2)
	require.Equal(t, billing.PaymentSucceeded, pays[1].Status)
	require.Empty(t, pays[1].PaymentMethodID, "a pay-page payment saves no card")
	require.Empty(t, pays[1].NextActionURL, "nothing waits for the customer any more")
	page, err = h.app.PayPages.OpenInvoicePage(h.ctx, refOf(t, inv.HostedURL))
	require.NoError(t, err)
	require.Empty(t, page.Gateways, "a paid invoice offers no way to pay")
}

func scenarioSendInvoice(t *testing.T, h *harness) {
	start := time.Date(2026, 1, 31, 15, 0, 0, 0, time.UTC)
	h.begin("America/Santiago", start)
	plan := h.oneTimePrice("Asesoría", 9_990, "CLP")
	cus := h.customer("carla@example.cl")
	days := int64(14)
	draft := h.oneOff(app.CreateInvoiceParams{Customer: cus.ID, Collection: billing.CollectionSendInvoice,
		DaysUntilDue: &days, Items: []app.InvoiceItemParams{{Price: plan.ID}}})
	require.Equal(t, billing.InvoiceDraft, draft.Status)
	require.Empty(t, draft.Number, "a draft has no number yet")
	require.Empty(t, draft.HostedURL, "a draft is not the customer's yet")
	require.Equal(t, start.AddDate(0, 0, 14), *draft.DueDate)
	_, err := h.app.PayPages.OpenInvoicePage(h.ctx, app.HostedRef{Scope: h.s, ID: draft.ID})
	requireKind(t, err, billing.KindNotFound)

	inv, err := h.app.Invoicing.FinalizeInvoice(h.ctx, h.s, draft.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceOpen, inv.Status)
	require.Equal(t, "AGEN-000001", inv.Number)
	require.Empty(t, h.payments(inv.ID), "send_invoice charges nothing by itself")
	_, err = h.app.Invoicing.FinalizeInvoice(h.ctx, h.s, draft.ID)
	requireCode(t, err, billing.CodeInvalidStateTransition)

	// The customer is emailed the pay link and the due date.
	emails, err := h.app.Notifications.ListEmails(h.ctx, h.s, billing.EmailFilter{}, billing.Page{})
	require.NoError(t, err)
	require.Len(t, emails.Data, 1)
	email := emails.Data[0]
	require.Equal(t, "invoice_to_pay", email.Template)
	require.Equal(t, []string{"carla@example.cl"}, email.To)
	require.Contains(t, string(email.Params), inv.HostedURL)

	// A wrong token opens nothing.
	bad := refOf(t, inv.HostedURL)
	bad.Token = strings.Repeat("A", len(bad.Token))
	_, err = h.app.PayPages.OpenInvoicePage(h.ctx, bad)
	requireKind(t, err, billing.KindNotFound)
	_, err = h.app.PayPages.PayInvoiceOnPage(h.ctx, bad, billing.GatewaySim)
	requireKind(t, err, billing.KindNotFound)

	// The customer opens the pay page and leaves; coming back continues
	// the same attempt, and nothing else may act on the invoice meanwhile.
	ref := refOf(t, inv.HostedURL)
	dest, err := h.app.PayPages.PayInvoiceOnPage(h.ctx, ref, billing.GatewaySim)
	require.NoError(t, err)
	again, err := h.app.PayPages.PayInvoiceOnPage(h.ctx, ref, billing.GatewaySim)
	require.NoError(t, err)
	require.Equal(t, dest, again, "an attempt in progress is continued, not doubled")
	got, err := h.app.Invoicing.GetInvoice(h.ctx, h.s, inv.ID)
	require.NoError(t, err)
	require.Nil(t, got.NextAttemptAt, "cuota attempts nothing on a pay-page attempt")
	page, err := h.app.PayPages.OpenInvoicePage(h.ctx, ref)
	require.NoError(t, err)
	require.NotNil(t, page.InProgress)
	require.Equal(t, dest, page.InProgress.NextActionURL)
	_, err = h.app.Collection.VoidInvoice(h.ctx, h.s, inv.ID)
	requireCode(t, err, billing.CodeInvalidStateTransition)
	_, err = h.app.PayPages.PaySimPage(h.ctx, refOf(t, dest), "tok_notacard")
	require.Error(t, err, "not a test card: nothing happens")
	_, err = h.app.PayPages.PaySimPage(h.ctx, refOf(t, dest), billing.SimTokInsufficientFunds)
	require.NoError(t, err)
	_, err = h.app.PayPages.PaySimPage(h.ctx, refOf(t, dest), billing.SimTokVisa)
	requireCode(t, err, billing.CodeInvalidStateTransition) // a used pay page cannot be paid again
	h.payOnSimPage(inv, billing.SimTokVisa)

	got, err = h.app.Invoicing.GetInvoice(h.ctx, h.s, inv.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, got.Status)
	require.Equal(t, int64(9_990), got.AmountPaid)
	pays := h.payments(inv.ID)
	require.Equal(t, []billing.PaymentStatus{billing.PaymentFailed, billing.PaymentSucceeded}, []billing.PaymentStatus{pays[0].Status, pays[1].Status})
	require.Equal(t, sim.FailInsufficientFunds, pays[0].FailureCode)
}

func scenarioDraftVoid(t *testing.T, h *harness) {
	h.begin("UTC", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	cus := h.customer("dan@example.com")
	draft := h.oneOff(app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP", Collection: billing.CollectionSendInvoice,
		Items: []app.InvoiceItemParams{{Amount: amountPtr(1_000), Description: "x"}}})
	voided, err := h.app.Collection.VoidInvoice(h.ctx, h.s, draft.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceVoid, voided.Status)
	next := h.oneOff(app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP", Collection: billing.CollectionSendInvoice,
		Finalize: true, Items: []app.InvoiceItemParams{{Amount: amountPtr(2_000), Description: "y"}}})
	require.Equal(t, "AGEN-000001", next.Number, "a voided draft used no number")
	voided, err = h.app.Collection.VoidInvoice(h.ctx, h.s, next.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoiceVoid, voided.Status)
	_, err = h.app.PayPages.PayInvoiceOnPage(h.ctx, refOf(t, next.HostedURL), billing.GatewaySim)
	requireCode(t, err, billing.CodeInvalidStateTransition)
}

func scenarioOneOffRefused(t *testing.T, h *harness) {
	h.begin("UTC", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	usd := h.oneTimePrice("Widget", 1_500, "USD")
	cus := h.customer("eve@example.com")
	other := h.customer("fay@example.com")
	otherPM := h.attach(other.ID, billing.SimTokVisa)
	days := int64(3)
	for _, c := range []struct {
		name  string
		p     app.CreateInvoiceParams
		param string
		code  string
	}{
		{"NoItems", app.CreateInvoiceParams{Customer: cus.ID}, "items", billing.CodeParameterMissing},
		{"PriceAndAmount", app.CreateInvoiceParams{Customer: cus.ID, Items: []app.InvoiceItemParams{{Price: usd.ID, Amount: amountPtr(1)}}}, "items[0]", billing.CodeParameterInvalid},
		{"AmountWithoutDescription", app.CreateInvoiceParams{Customer: cus.ID, Currency: "USD", Items: []app.InvoiceItemParams{{Amount: amountPtr(100)}}}, "items[0].description", billing.CodeParameterMissing},
		{"NegativeAmount", app.CreateInvoiceParams{Customer: cus.ID, Currency: "USD", Items: []app.InvoiceItemParams{{Amount: amountPtr(-5), Description: "x"}}}, "items[0].amount", billing.CodeAmountInvalid},
		{"AmountWithoutCurrency", app.CreateInvoiceParams{Customer: cus.ID, Collection: billing.CollectionSendInvoice, Items: []app.InvoiceItemParams{{Amount: amountPtr(100), Description: "x"}}}, "currency", billing.CodeParameterMissing},
		{"CurrencyMismatch", app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP", Collection: billing.CollectionSendInvoice, Items: []app.InvoiceItemParams{{Price: usd.ID}}}, "items[0].price", billing.CodeCurrencyInvalid},
		{"BadCollection", app.CreateInvoiceParams{Customer: cus.ID, Collection: "carrier_pigeon", Items: []app.InvoiceItemParams{{Price: usd.ID}}}, "collection", billing.CodeParameterInvalid},
		{"DaysOnChargeAutomatically", app.CreateInvoiceParams{Customer: cus.ID, DaysUntilDue: &days, Items: []app.InvoiceItemParams{{Price: usd.ID}}}, "days_until_due", billing.CodeParameterInvalid},
		{"NoCardToCharge", app.CreateInvoiceParams{Customer: cus.ID, Items: []app.InvoiceItemParams{{Price: usd.ID}}}, "payment_method", billing.CodeParameterMissing},
		{"SomeoneElsesCard", app.CreateInvoiceParams{Customer: cus.ID, PaymentMethod: otherPM.ID, Items: []app.InvoiceItemParams{{Price: usd.ID}}}, "payment_method", billing.CodeParameterInvalid},
		{"RecurringPrice", app.CreateInvoiceParams{Customer: cus.ID, Collection: billing.CollectionSendInvoice, Items: []app.InvoiceItemParams{{Price: h.price(990, "USD", billing.IntervalMonth, 0).ID}}}, "items[0].price", billing.CodeParameterInvalid},
		{"TooMany", app.CreateInvoiceParams{Customer: cus.ID, Collection: billing.CollectionSendInvoice, Items: []app.InvoiceItemParams{{Price: usd.ID, Quantity: 10_001}}}, "items[0].quantity", billing.CodeParameterInvalid},
	} {
		_, err := h.app.Invoicing.CreateInvoice(h.ctx, h.s, c.p)
		e := billing.AsError(err)
		require.NotNil(t, e, "%s: %v", c.name, err)
		require.Equal(t, billing.KindInvalid, e.Kind, c.name)
		require.Equal(t, c.param, e.Param, c.name)
		require.Equal(t, c.code, e.Code, c.name)
	}
	_, err := h.app.Invoicing.CreateInvoice(h.ctx, h.s, app.CreateInvoiceParams{Customer: "cus_nope", Currency: "USD",
		Items: []app.InvoiceItemParams{{Amount: amountPtr(100), Description: "x"}}})
	requireCode(t, err, billing.CodeResourceMissing)
	invs, err := h.app.Invoicing.ListInvoices(h.ctx, h.s, billing.InvoiceFilter{}, billing.Page{})
	require.NoError(t, err)
	require.Empty(t, invs.Data, "nothing is half-written")
}

// scenarioPayPageTimeoutReconciled: the sim's page charges, but cuota
// cannot know (a timeout after the charge): the attempt is unknown until
// the gateway is asked, and then paid — with one charge in the ledger.
func scenarioPayPageUnknown(t *testing.T, h *harness) {
	h.begin("UTC", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	cus := h.customer("gus@example.com")
	inv := h.oneOff(app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP", Collection: billing.CollectionSendInvoice,
		Finalize: true, Items: []app.InvoiceItemParams{{Amount: amountPtr(7_000), Description: "z"}}})
	h.payOnSimPage(inv, billing.SimTokTimeoutAfterCharge)
	pays := h.payments(inv.ID)
	require.Len(t, pays, 1)
	require.Equal(t, billing.PaymentUnknown, pays[0].Status)
	_, err := h.app.PayPages.PayInvoiceOnPage(h.ctx, refOf(t, inv.HostedURL), billing.GatewaySim)
	requireCode(t, err, billing.CodePaymentInProgress)
	// The customer's return asks the gateway, which knows it was paid.
	back, err := h.app.PayPages.ReturnFromPayPage(h.ctx, refOf(t, strings.Replace(payLinkOf(t, h, pays[0]), "/sim/pay/", "/return/pay/", 1)))
	require.NoError(t, err)
	require.Equal(t, inv.HostedURL, back)
	got, err := h.app.Invoicing.GetInvoice(h.ctx, h.s, inv.ID)
	require.NoError(t, err)
	require.Equal(t, billing.InvoicePaid, got.Status)
}

// payLinkOf is the sim pay page link of a payment, as its NextActionURL
// was while it waited (found in the events' snapshots of the payment).
func payLinkOf(t *testing.T, h *harness, p billing.Payment) string {
	t.Helper()
	for _, e := range h.events() {
		if e.ObjectID != p.ID {
			continue
		}
		var snap billing.Payment
		require.NoError(t, json.Unmarshal(e.Data, &snap))
		if snap.NextActionURL != "" {
			return snap.NextActionURL
		}
	}
	t.Fatalf("no pay link recorded for %s", p.ID)
	return ""
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	e := billing.AsError(err)
	require.NotNil(t, e, "want %s, got %v", code, err)
	require.Equal(t, code, e.Code, e.Message)
}

func requireKind(t *testing.T, err error, kind billing.Kind) {
	t.Helper()
	e := billing.AsError(err)
	require.NotNil(t, e, "want %s, got %v", kind, err)
	require.Equal(t, kind, e.Kind, e.Message)
}

// TestPayPageExpiry: an abandoned pay-page attempt is failed by the
// reconciler once its page has expired (and never before), after which a
// new attempt can be made; customers on test clocks are left alone.
func TestPayPageExpiry(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			t.Parallel()
			store := sk.open(t)
			var mu sync.Mutex
			wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); return wall }
			advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); wall = wall.Add(d) }
			gw := sim.New(store, now)
			a, err := app.New(app.Config{
				Store:     store,
				Now:       now,
				Logger:    discard,
				Ports:     app.Ports{InvoicePDF: invoicepdf.Renderer{}, EmailRenderer: mail.Renderer{}, Webhooks: &webhookout.Webhooks{}},
				PublicURL: func() string { return "https://billing.example.test" },
				Gateways:  app.Gateways{billing.GatewaySim: gw},
			})
			require.NoError(t, err)
			ctx := t.Context()
			m, err := a.Merchants.CreateMerchant(ctx, app.CreateMerchantParams{Name: "Agente", Timezone: "UTC"})
			require.NoError(t, err)
			s := billing.Scope{MerchantID: m.ID, Mode: billing.ModeTest}
			email := "hal@example.com"
			cus, err := a.Customers.CreateCustomer(ctx, s, app.CustomerParams{Email: &email})
			require.NoError(t, err)
			inv, err := a.Invoicing.CreateInvoice(ctx, s, app.CreateInvoiceParams{Customer: cus.ID, Currency: "CLP",
				Collection: billing.CollectionSendInvoice, Finalize: true,
				Items: []app.InvoiceItemParams{{Amount: amountPtr(3_000), Description: "w"}}})
			require.NoError(t, err)
			first, err := a.PayPages.PayInvoiceOnPage(ctx, refOf(t, inv.HostedURL), billing.GatewaySim)
			require.NoError(t, err)

			advance(59 * time.Minute)
			n, err := a.PayPages.ReconcilePayments(ctx, 10)
			require.NoError(t, err)
			require.Zero(t, n, "a page that can still be paid is left alone")
			_, err = a.PayPages.OpenSimPayPage(ctx, refOf(t, first))
			require.NoError(t, err)

			advance(2 * time.Minute)
			_, err = a.PayPages.OpenSimPayPage(ctx, refOf(t, first))
			requireCode(t, err, billing.CodeInvalidStateTransition)
			advance(10 * time.Minute)
			n, err = a.PayPages.ReconcilePayments(ctx, 10)
			require.NoError(t, err)
			require.Equal(t, 1, n)
			pays, err := a.Collection.ListPayments(ctx, s, billing.PaymentFilter{InvoiceID: inv.ID}, billing.Page{})
			require.NoError(t, err)
			require.Len(t, pays.Data, 1)
			require.Equal(t, billing.PaymentFailed, pays.Data[0].Status)
			require.Equal(t, app.FailPayPageExpired, pays.Data[0].FailureCode)
			n, err = a.PayPages.ReconcilePayments(ctx, 10)
			require.NoError(t, err)
			require.Zero(t, n, "settled payments are not looked at again")

			second, err := a.PayPages.PayInvoiceOnPage(ctx, refOf(t, inv.HostedURL), billing.GatewaySim)
			require.NoError(t, err)
			require.NotEqual(t, first, second, "a new attempt after the expired one")
			_, err = a.PayPages.PaySimPage(ctx, refOf(t, second), billing.SimTokVisa)
			require.NoError(t, err)
			got, err := a.Invoicing.GetInvoice(ctx, s, inv.ID)
			require.NoError(t, err)
			require.Equal(t, billing.InvoicePaid, got.Status)
		})
	}
}
