package flowsim_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/flowsim"
	"github.com/cuota/cuota/internal/gateway/flow"
)

// TestPayPageCards: on the hosted pay page the person picks a card, and
// the card (with the amount rule) decides, as for customer/charge; the
// extended status tells why and with which card.
func TestPayPageCards(t *testing.T) {
	e := newEnv(t, flowsim.Options{})
	ctx := context.Background()
	shop := newReceiver(t)
	create := func(t *testing.T, order string, amount int64) *flow.PayResponse {
		t.Helper()
		pr, err := e.client.CreatePayment(ctx, flow.CreatePaymentRequest{CommerceOrder: order, Subject: "s", Amount: amount,
			Email: "p@x.cl", URLConfirmation: shop.url("/confirm"), URLReturn: shop.url("/return")})
		require.NoError(t, err)
		return pr
	}
	pay := func(t *testing.T, pr *flow.PayResponse, card string) *flow.PaymentStatus {
		t.Helper()
		pageURL := e.ts.URL + "/app/web/pay.php?token=" + url.QueryEscape(pr.Token.String())
		status, page := getPage(t, pageURL)
		require.Equal(t, http.StatusOK, status)
		require.True(t, hasAll(page, `id="card-`+flowsim.CardVisa+`"`, `id="card-`+flowsim.CardBlocked+`"`, `id="pay"`))
		status, back := postForm(t, formAction(t, pageURL, page), url.Values{"token": {pr.Token.String()}, "action": {"pay"}, "card": {card}})
		require.Equal(t, http.StatusOK, status)
		target, token := returnTarget(t, back)
		require.Equal(t, shop.url("/return"), target)
		require.Equal(t, pr.Token.String(), token)
		require.Equal(t, pr.Token.String(), (<-shop.got).token, "the confirmation went out")
		st, err := e.client.GetPaymentStatusExtended(ctx, pr.Token.String())
		require.NoError(t, err)
		return st
	}

	st := pay(t, create(t, "pc-1", 15000), flowsim.CardVisa)
	require.Equal(t, flow.PaymentPaid, st.State())
	require.Equal(t, "4242", st.PaymentData.CardLast4Numbers.String())
	require.Equal(t, "4242", e.sim.LedgerFor("pc-1")[0].Card)

	st = pay(t, create(t, "pc-2", 15000), flowsim.CardDeclined)
	require.Equal(t, flow.PaymentRejected, st.State())
	require.EqualValues(t, flow.LastErrorGeneralRejection, int64Of(t, st.LastError.Code))

	st = pay(t, create(t, "pc-3", 15000), flowsim.CardBlocked)
	require.Equal(t, flow.PaymentRejected, st.State())
	require.EqualValues(t, flow.LastErrorBlockedCard, int64Of(t, st.LastError.Code))

	st = pay(t, create(t, "pc-4", 10051), flowsim.CardVisa)
	require.Equal(t, flow.PaymentRejected, st.State(), "the amount rule")
	require.EqualValues(t, flow.LastErrorExceedsMaxAmount, int64Of(t, st.LastError.Code))

	pr := create(t, "pc-5", 1000)
	status, _ := postForm(t, e.ts.URL+"/app/web/pay.php", url.Values{"token": {pr.Token.String()}, "action": {"pay"}, "card": {"1234"}})
	require.Equal(t, http.StatusBadRequest, status)
	_, err := e.sim.PayWithCard(ctx, pr.Token.String(), "1234")
	require.ErrorIs(t, err, flowsim.ErrUnknownCard)
	require.Equal(t, flow.PaymentPending, e.sim.LedgerFor("pc-5")[0].Status)
}

// TestPaymentTimeout: payment/create's timeout ends the order: past it the
// page and the hooks refuse to pay, and the status stays pending (what Flow
// reports for an expired order is not documented).
func TestPaymentTimeout(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	e := newEnv(t, flowsim.Options{Now: clock})
	ctx := context.Background()
	shop := newReceiver(t)
	req := flow.CreatePaymentRequest{CommerceOrder: "to-1", Subject: "s", Amount: 1000, Email: "p@x.cl",
		URLConfirmation: shop.url("/confirm"), URLReturn: shop.url("/return"), Timeout: 600}
	pr, err := e.client.CreatePayment(ctx, req)
	require.NoError(t, err)
	require.Equal(t, clock().Add(10*time.Minute), e.sim.LedgerFor("to-1")[0].Expires)
	pageURL := e.ts.URL + "/app/web/pay.php?token=" + url.QueryEscape(pr.Token.String())

	advance(10*time.Minute - time.Second)
	status, _ := getPage(t, pageURL)
	require.Equal(t, http.StatusOK, status, "payable until the timeout")

	advance(time.Second)
	status, _ = getPage(t, pageURL)
	require.Equal(t, http.StatusGone, status)
	status, _ = postForm(t, e.ts.URL+"/app/web/pay.php", url.Values{"token": {pr.Token.String()}, "action": {"pay"}})
	require.Equal(t, http.StatusGone, status)
	_, err = e.sim.CompletePayment(ctx, pr.Token.String(), flow.PaymentPaid)
	require.ErrorIs(t, err, flowsim.ErrExpired)
	st, err := e.client.GetPaymentStatus(ctx, pr.Token.String())
	require.NoError(t, err)
	require.Equal(t, flow.PaymentPending, st.State())
	require.Empty(t, shop.all(), "no confirmation for an order nobody paid")

	// Without timeout an order never expires; a bad timeout is refused.
	req.CommerceOrder, req.Timeout = "to-2", 0
	pr, err = e.client.CreatePayment(ctx, req)
	require.NoError(t, err)
	require.True(t, e.sim.LedgerFor("to-2")[0].Expires.IsZero())
	advance(100 * 24 * time.Hour)
	_, err = e.sim.CompletePayment(ctx, pr.Token.String(), flow.PaymentPaid)
	require.NoError(t, err)
	<-shop.got

	req.CommerceOrder, req.Timeout = "to-3", -5
	_, err = e.client.CreatePayment(ctx, req)
	fe, refused := flow.AsError(err)
	require.True(t, refused, "flowsim refused it: %v", err)
	require.Equal(t, http.StatusBadRequest, fe.HTTPStatus)
	require.Empty(t, e.sim.LedgerFor("to-3"))
}
