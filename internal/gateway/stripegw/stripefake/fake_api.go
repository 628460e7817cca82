package stripefake

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

func (f *Server) createSession(form url.Values) (int, map[string]any) {
	for _, p := range []string{"mode", "success_url"} {
		if form.Get(p) == "" {
			return missing(p)
		}
	}
	mode := form.Get("mode")
	if mode != "setup" && mode != "payment" {
		return fail(errorOf(400, "invalid_request_error", "parameter_invalid", "the fake does setup and payment mode", nil))
	}
	cus := form.Get("customer")
	if f.customers[cus] == nil {
		return fail(notFound("customer", cus))
	}
	s := &session{ID: f.newID("cs_test"), Mode: mode, Status: "open", Customer: cus, SuccessURL: form.Get("success_url"),
		CancelURL: form.Get("cancel_url"), ClientReferenceID: form.Get("client_reference_id"),
		Metadata: formMap(form, "metadata"), Created: now(), ExpiresAt: now() + 24*3600}
	if v := form.Get("expires_at"); v != "" {
		at, err := strconv.ParseInt(v, 10, 64)
		if err != nil || at < now()+30*60 || at > now()+24*3600 {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid",
				"The `expires_at` timestamp must be at least 30 minutes and at most 24 hours after the Checkout Session is created.",
				map[string]any{"param": "expires_at"}))
		}
		s.ExpiresAt = at
	}
	if mode == "payment" {
		// One line with price_data, as cuota sends it.
		const line = "line_items[0]"
		for _, p := range []string{line + "[price_data][currency]", line + "[price_data][unit_amount]", line + "[price_data][product_data][name]", line + "[quantity]"} {
			if form.Get(p) == "" {
				return missing(p)
			}
		}
		if form.Get("line_items[1][quantity]") != "" {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid", "the fake takes one line item", nil))
		}
		unit, err1 := strconv.ParseInt(form.Get(line+"[price_data][unit_amount]"), 10, 64)
		qty, err2 := strconv.ParseInt(form.Get(line+"[quantity]"), 10, 64)
		if err1 != nil || err2 != nil || unit <= 0 || qty <= 0 {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid_integer", "Invalid line item amount or quantity", nil))
		}
		s.AmountTotal, s.Currency = unit*qty, strings.ToLower(form.Get(line+"[price_data][currency]"))
		s.IntentMetadata, s.Description = formMap(form, "payment_intent_data[metadata]"), form.Get("payment_intent_data[description]")
	} else {
		si := &setupIntent{ID: f.newID("seti"), Status: "requires_payment_method", Customer: cus,
			Metadata: formMap(form, "setup_intent_data[metadata]"), Created: now()}
		f.setups[si.ID] = si
		s.SetupIntent = si.ID
	}
	f.sessions[s.ID] = s
	return 200, f.sessionJSON(s, nil)
}

// listSessions lists Checkout Sessions, newest first, filtered by
// customer, payment_intent and created[gte].
func (f *Server) listSessions(form url.Values) (int, map[string]any) {
	var since int64
	if v := form.Get("created[gte]"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: "+v, nil))
		}
		since = n
	}
	var data []any
	for _, id := range sortedKeys(f.sessions) {
		s := f.sessions[id]
		if (form.Get("customer") == "" || s.Customer == form.Get("customer")) &&
			(form.Get("payment_intent") == "" || s.PaymentIntent == form.Get("payment_intent")) && s.Created >= since {
			data = append(data, f.sessionJSON(s, nil))
		}
	}
	reverse(data)
	return 200, list("/v1/checkout/sessions", data)
}

// expire ends an open session; its PaymentIntent, if the customer began
// paying, is canceled (Stripe's behaviour).
func (f *Server) expire(s *session) {
	s.Status = "expired"
	if pi := f.intents[s.PaymentIntent]; pi != nil {
		switch pi.Status {
		case "requires_payment_method", "requires_action", "requires_confirmation":
			pi.Status = "canceled"
		}
	}
}

func (f *Server) createIntent(form url.Values, key string) (int, map[string]any) {
	for _, p := range []string{"amount", "currency"} {
		if form.Get(p) == "" {
			return missing(p)
		}
	}
	amount, err := strconv.ParseInt(form.Get("amount"), 10, 64)
	if err != nil || amount <= 0 {
		return fail(errorOf(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: "+form.Get("amount"),
			map[string]any{"param": "amount"}))
	}
	cus := form.Get("customer")
	if cus != "" && f.customers[cus] == nil {
		return fail(notFound("customer", cus))
	}
	pmID := form.Get("payment_method")
	pm := f.methods[pmID]
	if pmID != "" && pm == nil {
		e := notFound("payment_method", pmID)
		e.body["error"].(map[string]any)["param"] = "payment_method"
		return fail(e)
	}
	if pm != nil && pm.Customer != cus {
		return fail(errorOf(400, "invalid_request_error", "payment_method_unexpected_state",
			"The provided PaymentMethod was previously used or attached to another Customer.", map[string]any{"param": "payment_method"}))
	}
	pi := &paymentIntent{ID: f.newID("pi"), Status: "requires_payment_method", Customer: cus, PaymentMethod: pmID,
		Currency: strings.ToLower(form.Get("currency")), Description: form.Get("description"), Amount: amount, Created: now(),
		Metadata: formMap(form, "metadata"), Key: key, baseURL: f.baseURL}
	f.intents[pi.ID] = pi
	if form.Get("confirm") != "true" || pm == nil {
		if form.Get("confirm") == "true" {
			pi.Status = "requires_payment_method"
		} else {
			pi.Status = "requires_confirmation"
		}
		return 200, pi.json()
	}
	pi.ReturnURL, pi.UseSDK = form.Get("return_url"), form.Get("use_stripe_sdk") == "true"
	return f.attempt(pi, pm, form.Get("off_session") == "true")
}

// confirmIntent confirms a PaymentIntent again (POST …/confirm): with its
// payment method (or the one given), on or off session.
func (f *Server) confirmIntent(pi *paymentIntent, form url.Values) (int, map[string]any) {
	switch pi.Status {
	case "requires_payment_method", "requires_confirmation", "requires_action":
	default:
		return fail(errorOf(400, "invalid_request_error", "payment_intent_unexpected_state",
			"You cannot confirm this PaymentIntent because it has a status of "+pi.Status+".", nil))
	}
	if v := form.Get("off_session"); v != "" && v != "true" && v != "false" && v != "one_off" && v != "recurring" {
		return fail(errorOf(400, "invalid_request_error", "parameter_invalid", "Invalid off_session: "+v, nil))
	}
	pmID := form.Get("payment_method")
	if pmID == "" {
		pmID = pi.PaymentMethod
	}
	pm := f.methods[pmID]
	if pm == nil {
		return fail(errorOf(400, "invalid_request_error", "payment_intent_unexpected_state",
			"You cannot confirm this PaymentIntent because it's missing a payment method.", nil))
	}
	pi.PaymentMethod = pmID
	pi.ReturnURL, pi.UseSDK = form.Get("return_url"), form.Get("use_stripe_sdk") == "true"
	off := form.Get("off_session")
	return f.attempt(pi, pm, off == "true" || off == "one_off" || off == "recurring")
}

// attempt charges pm for pi as the test card behaves: succeeded, a
// decline (402), or requires_action (authentication needed).
func (f *Server) attempt(pi *paymentIntent, pm *paymentMethod, offSession bool) (int, map[string]any) {
	decline := func(code, declineCode, msg string) (int, map[string]any) {
		e := map[string]any{"type": "card_error", "code": code, "message": msg, "payment_method": pm.json()}
		if declineCode != "" {
			e["decline_code"] = declineCode
		}
		ch := f.newID("ch")
		e["charge"] = ch
		pi.Status, pi.LastError, pi.LatestCharge = "requires_payment_method", e, ch
		full := map[string]any{}
		for k, v := range e {
			full[k] = v
		}
		full["payment_intent"] = pi.json()
		return http.StatusPaymentRequired, map[string]any{"error": full}
	}
	switch pm.Card {
	case CardDeclined:
		return decline("card_declined", "generic_decline", "Your card was declined.")
	case CardInsufficientFunds:
		return decline("card_declined", "insufficient_funds", "Your card has insufficient funds.")
	case CardLost:
		return decline("card_declined", "lost_card", "Your card was declined.")
	case CardStolen:
		return decline("card_declined", "stolen_card", "Your card was declined.")
	case CardExpired:
		return decline("expired_card", "", "Your card has expired.")
	case CardProcessingError:
		return decline("processing_error", "", "An error occurred while processing your card. Try again in a little bit.")
	case CardAuthRequired:
		if offSession {
			return decline("authentication_required", "authentication_required",
				"Your card was declined. This transaction requires authentication.")
		}
		pi.Status = "requires_action"
		return 200, pi.json()
	case CardRequiresAction:
		pi.Status = "requires_action"
		return 200, pi.json()
	}
	f.succeed(pi)
	return 200, pi.json()
}

// succeed moves a PaymentIntent to succeeded with its charge and ledger
// entry.
func (f *Server) succeed(pi *paymentIntent) {
	ch := &charge{ID: f.newID("ch"), PaymentIntent: pi.ID, Currency: pi.Currency, Customer: pi.Customer, Amount: pi.Amount,
		Created: now(), Metadata: pi.Metadata}
	f.charges[ch.ID] = ch
	pi.Status, pi.LatestCharge, pi.LastError = "succeeded", ch.ID, nil
	f.ledger = append(f.ledger, Entry{Kind: "charge", ID: pi.ID, IdempotencyKey: pi.Key, Customer: pi.Customer,
		Amount: pi.Amount, Currency: pi.Currency})
	if s := f.sessions[pi.Session]; s != nil && s.Status == "open" {
		s.Status = "complete"
	}
}

func (f *Server) createRefund(form url.Values) (int, map[string]any) {
	var ch *charge
	switch {
	case form.Get("payment_intent") != "":
		pi := f.intents[form.Get("payment_intent")]
		if pi == nil {
			return fail(notFound("payment_intent", form.Get("payment_intent")))
		}
		ch = f.charges[pi.LatestCharge]
	case form.Get("charge") != "":
		ch = f.charges[form.Get("charge")]
	default:
		return missing("charge")
	}
	if ch == nil {
		return fail(errorOf(400, "invalid_request_error", "charge_not_refundable", "This PaymentIntent has no successful charge to refund.", nil))
	}
	amount := ch.Amount - ch.Refunded
	if v := form.Get("amount"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return fail(errorOf(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: "+v, nil))
		}
		amount = n
	}
	if amount > ch.Amount-ch.Refunded || amount == 0 {
		return fail(errorOf(400, "invalid_request_error", "amount_too_large",
			fmt.Sprintf("Refund amount (%d) is greater than unrefunded amount on charge (%d)", amount, ch.Amount-ch.Refunded), nil))
	}
	re := &refund{ID: f.newID("re"), Charge: ch.ID, PaymentIntent: ch.PaymentIntent, Currency: ch.Currency, Amount: amount,
		Status: "succeeded", Created: now(), Metadata: formMap(form, "metadata")}
	if f.pendingRe {
		re.Status = "pending"
	}
	ch.Refunded += amount
	f.refunds[re.ID] = re
	f.ledger = append(f.ledger, Entry{Kind: "refund", ID: re.ID, Customer: ch.Customer, Amount: amount, Currency: ch.Currency})
	return 200, re.json()
}
