package flowsim_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flow"
)

// TestEnrolmentWalk walks card enrolment like a browser: the hosted page,
// the card form, the automatic POST of token back to url_return.
func TestEnrolmentWalk(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	shop := newReceiver(t)
	ctx := context.Background()
	cus := e.customer(t, "")

	enrol := func(t *testing.T, card, action string) (string, post) {
		t.Helper()
		reg, err := e.client.RegisterCustomer(ctx, cus, shop.url("/cards/return?session=abc&x=1"))
		require.NoError(t, err)
		require.Equal(t, e.ts.URL+"/app/customer/disclaimer.php", reg.URL.String())
		require.Regexp(t, `^[A-Z0-9]{40}$`, reg.Token.String())

		// Before the person finishes, the registration is not done.
		st, err := e.client.GetRegisterStatus(ctx, reg.Token.String())
		require.NoError(t, err)
		require.False(t, st.Registered())

		pageURL := reg.RedirectURL()
		status, page := getPage(t, pageURL)
		require.Equal(t, http.StatusOK, status)
		for _, c := range flowsim.TestCards() {
			require.Contains(t, page, `id="card-`+c.Number+`"`)
		}
		require.True(t, hasAll(page, `id="register"`, `id="cancel"`))

		form := url.Values{"token": {reg.Token.String()}, "card": {card}, "action": {action}}
		status, back := postForm(t, formAction(t, pageURL, page), form)
		require.Equal(t, http.StatusOK, status)
		target, token := returnTarget(t, back)
		require.Equal(t, shop.url("/cards/return?session=abc&x=1"), target)
		require.Equal(t, reg.Token.String(), token)
		require.Contains(t, back, `document.getElementById("flowsim-return").submit()`)

		// The browser posts the token back to the shop.
		status, _ = postForm(t, target, url.Values{"token": {token}})
		require.Equal(t, http.StatusOK, status)
		got := <-shop.got
		return reg.Token.String(), got
	}

	t.Run("a card that enrols", func(t *testing.T) {
		token, got := enrol(t, flowsim.CardVisa, "register")
		require.Equal(t, "/cards/return", got.path)
		require.Equal(t, token, got.token)
		require.Equal(t, "application/x-www-form-urlencoded", got.contentType)
		require.Equal(t, []string{"token"}, keys(got.form), "only token comes back")

		st, err := e.client.GetRegisterStatus(ctx, token)
		require.NoError(t, err)
		require.True(t, st.Registered())
		require.Equal(t, cus, st.CustomerID.String())
		require.Equal(t, "Visa", st.CreditCardType.String())
		require.Equal(t, "4242", st.Last4CardDigits.String())
		require.Equal(t, "424242 **** **** 4242", st.CardNumber.String())
		require.Equal(t, strings.ToUpper(st.IssuerBank.String()), st.IssuerBank.String())

		c, err := e.client.GetCustomer(ctx, cus)
		require.NoError(t, err)
		require.Equal(t, flow.PayModeAuto, c.PayMode.String())
		require.Equal(t, "4242", c.Last4CardDigits.String())
		require.NotEmpty(t, c.RegisterDate.String())

		// The page cannot be used twice.
		status, _ := getPage(t, e.ts.URL+"/app/customer/disclaimer.php?token="+token)
		require.Equal(t, http.StatusConflict, status)
	})
	t.Run("a card that fails keeps the old card", func(t *testing.T) {
		token, _ := enrol(t, flowsim.CardEnrolFails, "register")
		st, err := e.client.GetRegisterStatus(ctx, token)
		require.NoError(t, err)
		require.False(t, st.Registered())
		require.Equal(t, "0", st.Status.String())
		require.Empty(t, st.Last4CardDigits.String())
		c, err := e.client.GetCustomer(ctx, cus)
		require.NoError(t, err)
		require.Equal(t, "4242", c.Last4CardDigits.String())
	})
	t.Run("cancel", func(t *testing.T) {
		token, _ := enrol(t, flowsim.CardMastercard, "cancel")
		st, err := e.client.GetRegisterStatus(ctx, token)
		require.NoError(t, err)
		require.False(t, st.Registered())
	})
	t.Run("registering again replaces the card", func(t *testing.T) {
		token, _ := enrol(t, flowsim.CardMastercard, "register")
		st, err := e.client.GetRegisterStatus(ctx, token)
		require.NoError(t, err)
		require.Equal(t, "Mastercard", st.CreditCardType.String())
		c, err := e.client.GetCustomer(ctx, cus)
		require.NoError(t, err)
		require.Equal(t, "4444", c.Last4CardDigits.String())
	})
	t.Run("bad tokens and cards", func(t *testing.T) {
		status, _ := getPage(t, e.ts.URL+"/app/customer/disclaimer.php?token=NOPE")
		require.Equal(t, http.StatusNotFound, status)
		reg, err := e.client.RegisterCustomer(ctx, cus, shop.url("/r"))
		require.NoError(t, err)
		status, _ = postForm(t, e.ts.URL+"/app/customer/disclaimer.php",
			url.Values{"token": {reg.Token.String()}, "card": {"1111222233334444"}, "action": {"register"}})
		require.Equal(t, http.StatusBadRequest, status)
		_, err = e.sim.CompleteRegistration("NOPE", flowsim.CardVisa)
		require.ErrorIs(t, err, flowsim.ErrUnknownToken)
		_, err = e.client.GetRegisterStatus(ctx, "NOPE")
		require.True(t, flow.IsNotFound(err))
		_, err = e.client.RegisterCustomer(ctx, "cus_nobodyhere", shop.url("/r"))
		require.True(t, flow.IsNotFound(err))
	})
}

func keys(v url.Values) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}

// TestPaymentFlow: payment/create, the hosted pay page, the confirmation
// POST to urlConfirmation (whose handler reads the status back, as a real
// merchant does) and the browser's POST to urlReturn.
func TestPaymentFlow(t *testing.T) {
	e := newEnv(t, flowsim.Options{BaseURL: "http://flowsim.invalid"})
	ctx := context.Background()
	shop := newReceiver(t)
	seen := make(chan int, 10)
	shop.onPost = func(p post) {
		if p.path != "/confirm" {
			return
		}
		st, err := e.client.GetPaymentStatus(ctx, p.token)
		if err != nil {
			seen <- -1
			return
		}
		seen <- st.State()
	}

	create := func(t *testing.T, order string) *flow.PayResponse {
		t.Helper()
		pr, err := e.client.CreatePayment(ctx, flow.CreatePaymentRequest{
			CommerceOrder: order, Subject: "Compra única", Amount: 15000, Email: "payer@x.cl",
			URLConfirmation: shop.url("/confirm"), URLReturn: shop.url("/return"), Optional: `{"invoice":"inv_9"}`,
		})
		require.NoError(t, err)
		return pr
	}

	t.Run("paid", func(t *testing.T) {
		pr := create(t, "pay-1")
		// BaseURL makes hosted-page URLs absolute on the public address.
		require.Equal(t, "http://flowsim.invalid/app/web/pay.php", pr.URL.String())
		st, err := e.client.GetPaymentStatus(ctx, pr.Token.String())
		require.NoError(t, err)
		require.Equal(t, flow.PaymentPending, st.State())
		require.Equal(t, []flowsim.Entry{{Kind: flowsim.KindPayment, FlowOrder: int64Of(t, pr.FlowOrder),
			CommerceOrder: "pay-1", Amount: 15000, Currency: "CLP", Status: flow.PaymentPending,
			Token: pr.Token.String(), Created: e.sim.LedgerFor("pay-1")[0].Created}}, e.sim.LedgerFor("pay-1"))

		pageURL := e.ts.URL + "/app/web/pay.php?token=" + url.QueryEscape(pr.Token.String())
		status, page := getPage(t, pageURL)
		require.Equal(t, http.StatusOK, status)
		require.True(t, hasAll(page, "Compra única", "15000", `id="pay"`, `id="reject"`))

		status, back := postForm(t, formAction(t, pageURL, page), url.Values{"token": {pr.Token.String()}, "action": {"pay"}})
		require.Equal(t, http.StatusOK, status)

		// The confirmation came first, server to server, and the merchant
		// saw the payment paid.
		confirm := <-shop.got
		require.Equal(t, "/confirm", confirm.path)
		require.Equal(t, pr.Token.String(), confirm.token)
		require.Equal(t, "application/x-www-form-urlencoded", confirm.contentType)
		require.Equal(t, []string{"token"}, keys(confirm.form))
		require.Equal(t, flow.PaymentPaid, <-seen)

		target, token := returnTarget(t, back)
		require.Equal(t, shop.url("/return"), target)
		status, _ = postForm(t, target, url.Values{"token": {token}})
		require.Equal(t, http.StatusOK, status)
		ret := <-shop.got
		require.Equal(t, "/return", ret.path)
		require.Equal(t, pr.Token.String(), ret.token)

		st, err = e.client.GetPaymentStatus(ctx, pr.Token.String())
		require.NoError(t, err)
		require.Equal(t, flow.PaymentPaid, st.State())
		require.EqualValues(t, 15000, int64Of(t, st.PaymentData.Amount))
		require.Equal(t, "payer@x.cl", st.Payer.String())
		require.JSONEq(t, `{"invoice":"inv_9"}`, string(st.Optional))
		byOrder, err := e.client.GetPaymentStatusByCommerceID(ctx, "pay-1")
		require.NoError(t, err)
		require.Equal(t, st.FlowOrder, byOrder.FlowOrder)

		n := e.sim.Notifications()
		require.Len(t, n, 1)
		require.Equal(t, flowsim.Notification{Kind: flowsim.KindPayment, URL: shop.url("/confirm"),
			Token: pr.Token.String(), HTTPStatus: http.StatusOK, Sent: n[0].Sent}, n[0])
		require.True(t, e.sim.LedgerFor("pay-1")[0].MovedMoney())

		// Paid once: the page refuses a second submission.
		status, _ = postForm(t, e.ts.URL+"/app/web/pay.php", url.Values{"token": {pr.Token.String()}, "action": {"pay"}})
		require.Equal(t, http.StatusConflict, status)
		status, _ = getPage(t, pageURL)
		require.Equal(t, http.StatusConflict, status)
	})

	t.Run("rejected, and the merchant's endpoint fails", func(t *testing.T) {
		shop.setStatus(http.StatusInternalServerError)
		defer shop.setStatus(http.StatusOK)
		pr := create(t, "pay-2")
		n, err := e.sim.CompletePayment(ctx, pr.Token.String(), flow.PaymentRejected)
		require.NoError(t, err)
		require.Equal(t, http.StatusInternalServerError, n.HTTPStatus)
		require.True(t, n.Alert, "Flow would email an integration alert")
		<-shop.got
		require.Equal(t, flow.PaymentRejected, <-seen)

		ext, err := e.client.GetPaymentStatusExtended(ctx, pr.Token.String())
		require.NoError(t, err)
		require.Equal(t, flow.PaymentRejected, ext.State())
		require.EqualValues(t, flow.LastErrorGeneralRejection, int64Of(t, ext.LastError.Code))

		_, err = e.sim.CompletePayment(ctx, pr.Token.String(), flow.PaymentPaid)
		require.ErrorIs(t, err, flowsim.ErrAlreadyCompleted)
	})

	t.Run("duplicate notification", func(t *testing.T) {
		pr := create(t, "pay-3")
		_, err := e.sim.CompletePayment(ctx, pr.Token.String(), flow.PaymentCancelled)
		require.NoError(t, err)
		<-shop.got
		require.Equal(t, flow.PaymentCancelled, <-seen)
		n, err := e.sim.ResendNotification(ctx, pr.Token.String())
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, n.HTTPStatus)
		again := <-shop.got
		require.Equal(t, pr.Token.String(), again.token)
		require.Equal(t, flow.PaymentCancelled, <-seen)
	})

	t.Run("unreachable confirmation URL", func(t *testing.T) {
		pr, err := e.client.CreatePayment(ctx, flow.CreatePaymentRequest{
			CommerceOrder: "pay-4", Subject: "s", Amount: 1000, Email: "p@x.cl",
			URLConfirmation: "http://127.0.0.1:1/confirm", URLReturn: shop.url("/return"),
		})
		require.NoError(t, err)
		n, err := e.sim.CompletePayment(ctx, pr.Token.String(), flow.PaymentPaid)
		require.NoError(t, err)
		require.Zero(t, n.HTTPStatus)
		require.NotEmpty(t, n.Err)
		require.True(t, n.Alert)
	})

	t.Run("invalid requests", func(t *testing.T) {
		_, err := e.client.CreatePayment(ctx, flow.CreatePaymentRequest{
			CommerceOrder: "pay-5", Subject: "s", Amount: 1000, Email: "p@x.cl",
			URLConfirmation: "not a url", URLReturn: shop.url("/return"),
		})
		require.Error(t, err)
		require.False(t, flow.IsOutcomeUnknown(err))
		_, err = e.sim.CompletePayment(ctx, "NOPE", flow.PaymentPaid)
		require.ErrorIs(t, err, flowsim.ErrUnknownToken)
		_, err = e.sim.CompletePayment(ctx, "NOPE", 7)
		require.ErrorIs(t, err, flowsim.ErrInvalidOutcome)
		status, _ := getPage(t, e.ts.URL+"/app/web/pay.php?token=NOPE")
		require.Equal(t, http.StatusNotFound, status)
	})
}

func TestRefunds(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()
	shop := newReceiver(t)
	cus := e.customer(t, flowsim.CardVisa)
	paid, err := e.charge(t, cus, "rf-1", 10000)
	require.NoError(t, err)
	flowOrder := int64Of(t, paid.FlowOrder)

	rf, err := e.client.CreateRefund(ctx, flow.CreateRefundRequest{
		RefundCommerceOrder: "rf-1-r1", ReceiverEmail: "c@x.cl", Amount: 4000,
		URLCallBack: shop.url("/refunds"), FlowTrxID: flowOrder,
	})
	require.NoError(t, err)
	require.Equal(t, flow.RefundCreated, rf.Status.String())
	require.EqualValues(t, 4000, int64Of(t, rf.Amount))

	st, err := e.client.GetRefundStatus(ctx, rf.Token.String())
	require.NoError(t, err)
	require.Equal(t, flow.RefundCreated, st.Status.String())

	n, err := e.sim.CompleteRefund(ctx, rf.Token.String(), true)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, n.HTTPStatus)
	cb := <-shop.got
	require.Equal(t, "/refunds", cb.path)
	require.Equal(t, rf.Token.String(), cb.token)

	st, err = e.client.GetRefundStatus(ctx, rf.Token.String())
	require.NoError(t, err)
	require.Equal(t, flow.RefundRefunded, st.Status.String())

	led := e.sim.LedgerFor("rf-1-r1")
	require.Len(t, led, 1)
	require.Equal(t, flowsim.KindRefund, led[0].Kind)
	require.Equal(t, flowOrder, led[0].RefundOf)
	require.EqualValues(t, 4000, led[0].Amount)
	require.True(t, led[0].MovedMoney())

	// By commerceTrxId; at most what is left.
	_, err = e.client.CreateRefund(ctx, flow.CreateRefundRequest{
		RefundCommerceOrder: "rf-1-r2", ReceiverEmail: "c@x.cl", Amount: 6001,
		URLCallBack: shop.url("/refunds"), CommerceTrxID: "rf-1",
	})
	fe, ok := flow.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, flowsim.CodeRefundNotAllowed, fe.Code)
	require.False(t, flow.IsOutcomeUnknown(err))
	rf2, err := e.client.CreateRefund(ctx, flow.CreateRefundRequest{
		RefundCommerceOrder: "rf-1-r2", ReceiverEmail: "c@x.cl", Amount: 6000,
		URLCallBack: shop.url("/refunds"), CommerceTrxID: "rf-1",
	})
	require.NoError(t, err)
	_, err = e.sim.CompleteRefund(ctx, rf2.Token.String(), false)
	require.NoError(t, err)
	<-shop.got
	st, err = e.client.GetRefundStatus(ctx, rf2.Token.String())
	require.NoError(t, err)
	require.Equal(t, flow.RefundRejected, st.Status.String())
	_, err = e.sim.CompleteRefund(ctx, rf2.Token.String(), true)
	require.ErrorIs(t, err, flowsim.ErrAlreadyCompleted)

	// A rejected charge cannot be refunded; an unknown one is not found.
	declined := e.customer(t, flowsim.CardDeclined)
	_, err = e.charge(t, declined, "rf-2", 1000)
	require.NoError(t, err)
	_, err = e.client.CreateRefund(ctx, flow.CreateRefundRequest{
		RefundCommerceOrder: "rf-2-r1", ReceiverEmail: "c@x.cl", Amount: 1000,
		URLCallBack: shop.url("/refunds"), CommerceTrxID: "rf-2",
	})
	fe, ok = flow.AsError(err)
	require.True(t, ok)
	require.Equal(t, flowsim.CodeRefundNotAllowed, fe.Code)
	_, err = e.client.CreateRefund(ctx, flow.CreateRefundRequest{
		RefundCommerceOrder: "rf-3-r1", ReceiverEmail: "c@x.cl", Amount: 1000,
		URLCallBack: shop.url("/refunds"), CommerceTrxID: "rf-nothing",
	})
	require.True(t, flow.IsTransactionNotFound(err))
	_, err = e.client.GetRefundStatus(ctx, "NOPE")
	require.True(t, flow.IsNotFound(err))

	t.Run("automatic completion", func(t *testing.T) {
		e := newEnv(t, flowsim.Options{AutoCompleteRefunds: true})
		cus := e.customer(t, flowsim.CardVisa)
		_, err := e.charge(t, cus, "auto-1", 5000)
		require.NoError(t, err)
		rf, err := e.client.CreateRefund(ctx, flow.CreateRefundRequest{
			RefundCommerceOrder: "auto-1-r", ReceiverEmail: "c@x.cl", Amount: 5000,
			URLCallBack: shop.url("/auto"), CommerceTrxID: "auto-1",
		})
		require.NoError(t, err)
		cb := <-shop.got // the callback is sent after the refund is settled
		require.Equal(t, rf.Token.String(), cb.token)
		st, err := e.client.GetRefundStatus(ctx, rf.Token.String())
		require.NoError(t, err)
		require.Equal(t, flow.RefundRefunded, st.Status.String())
	})
}
