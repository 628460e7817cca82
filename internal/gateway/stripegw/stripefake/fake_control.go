package stripefake

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CompleteCheckout saves card on an open setup session as the customer
// would: a PaymentMethod attached to the session's customer, the
// SetupIntent succeeded, the session complete. It returns the success URL
// the browser goes to.
func (f *Server) CompleteCheckout(sessionID, card string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[sessionID]
	if s == nil || s.Status != "open" {
		return "", fmt.Errorf("stripefake: no open session %s", sessionID)
	}
	if len(card) < 12 {
		return "", fmt.Errorf("stripefake: %q is not a card number", card)
	}
	pm := &paymentMethod{ID: f.newID("pm"), Card: card, Customer: s.Customer, Created: now()}
	f.methods[pm.ID] = pm
	si := f.setups[s.SetupIntent]
	si.Status, si.PaymentMethod = "succeeded", pm.ID
	s.Status = "complete"
	return strings.ReplaceAll(s.SuccessURL, "{CHECKOUT_SESSION_ID}", s.ID), nil
}

// ExpireCheckout expires an open session (as Stripe does at its
// expires_at), canceling its PaymentIntent if the customer began paying.
func (f *Server) ExpireCheckout(sessionID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.sessions[sessionID]; s != nil && s.Status == "open" {
		f.expire(s)
	}
}

// ErrRequiresAction is PayCheckout's answer when the card needs the
// customer to authenticate: the session's PaymentIntent (SessionIntent)
// waits in requires_action until Authenticate.
var ErrRequiresAction = errors.New("stripefake: the payment requires authentication")

// DeclineError is PayCheckout's answer when the card was declined; the
// session stays open and the customer may try another card.
type DeclineError struct{ Code, DeclineCode, Message string }

func (e *DeclineError) Error() string {
	return fmt.Sprintf("stripefake: declined (%s/%s): %s", e.Code, e.DeclineCode, e.Message)
}

// PayCheckout pays an open payment-mode session with a test card as the
// customer would on Stripe's page: the session's PaymentIntent is made (or
// attempted again) with the session's amount, customer and
// payment_intent_data, on session. A card that succeeds completes the
// session and returns the success URL; one that needs authentication
// returns ErrRequiresAction; a decline returns a *DeclineError.
func (f *Server) PayCheckout(sessionID, card string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[sessionID]
	if s == nil || s.Status != "open" || s.Mode != "payment" {
		return "", fmt.Errorf("stripefake: no open payment session %s", sessionID)
	}
	if len(card) < 12 {
		return "", fmt.Errorf("stripefake: %q is not a card number", card)
	}
	pm := &paymentMethod{ID: f.newID("pm"), Card: card, Created: now()}
	f.methods[pm.ID] = pm
	pi := f.intents[s.PaymentIntent]
	if pi == nil {
		pi = &paymentIntent{ID: f.newID("pi"), Status: "requires_payment_method", Customer: s.Customer, Currency: s.Currency,
			Description: s.Description, Amount: s.AmountTotal, Created: now(), Metadata: s.IntentMetadata,
			Key: s.IntentMetadata["cuota_idempotency_key"], Session: s.ID, baseURL: f.baseURL}
		f.intents[pi.ID] = pi
		s.PaymentIntent = pi.ID
	}
	if pi.Status == "requires_action" {
		return "", ErrRequiresAction
	}
	pi.PaymentMethod, pi.ReturnURL, pi.UseSDK = pm.ID, "", true
	status, body := f.attempt(pi, pm, false)
	switch {
	case pi.Status == "succeeded":
		return strings.ReplaceAll(s.SuccessURL, "{CHECKOUT_SESSION_ID}", s.ID), nil
	case pi.Status == "requires_action":
		return "", ErrRequiresAction
	case status == http.StatusPaymentRequired:
		e, _ := body["error"].(map[string]any)
		d := &DeclineError{}
		d.Code, _ = e["code"].(string)
		d.DeclineCode, _ = e["decline_code"].(string)
		d.Message, _ = e["message"].(string)
		return "", d
	}
	return "", fmt.Errorf("stripefake: payment of session %s is %s", sessionID, pi.Status)
}

// SessionIntent returns the PaymentIntent of a payment-mode session (""
// until the customer tries to pay).
func (f *Server) SessionIntent(sessionID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.sessions[sessionID]; s != nil {
		return s.PaymentIntent
	}
	return ""
}

// Intents returns the ids of the PaymentIntents made for a payment's
// idempotency key (created with it as Idempotency-Key, or carrying it in
// metadata[cuota_idempotency_key]), oldest first.
func (f *Server) Intents(key string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, id := range sortedKeys(f.intents) {
		if pi := f.intents[id]; pi.Key == key || pi.Metadata["cuota_idempotency_key"] == key {
			out = append(out, id)
		}
	}
	return out
}

// NewPaymentMethod creates an unattached card PaymentMethod (as Stripe.js
// would) and returns its id.
func (f *Server) NewPaymentMethod(card string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	pm := &paymentMethod{ID: f.newID("pm"), Card: card, Created: now()}
	f.methods[pm.ID] = pm
	return pm.ID
}

// ChangeCard makes a saved PaymentMethod behave as another test card from
// now on (its bank started declining, say).
func (f *Server) ChangeCard(pmID, card string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pm := f.methods[pmID]; pm != nil {
		pm.Card = card
	}
}

// Authenticate finishes a PaymentIntent waiting in requires_action: the
// customer authenticated (it succeeds) or failed to.
func (f *Server) Authenticate(piID string, ok bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi := f.intents[piID]
	if pi == nil || pi.Status != "requires_action" {
		return fmt.Errorf("stripefake: %s is not waiting for authentication", piID)
	}
	if ok {
		f.succeed(pi)
		return nil
	}
	pi.Status = "requires_payment_method"
	pi.LastError = map[string]any{"type": "card_error", "code": "payment_intent_authentication_failure",
		"message": "The provided PaymentMethod has failed authentication."}
	return nil
}

// AgeIntent moves a PaymentIntent's creation time back by d.
func (f *Server) AgeIntent(piID string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pi := f.intents[piID]; pi != nil {
		pi.Created -= int64(d / time.Second)
	}
}

// SettleRefund finishes a pending refund.
func (f *Server) SettleRefund(refundID string, ok bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	re := f.refunds[refundID]
	if re == nil || re.Status != "pending" {
		return fmt.Errorf("stripefake: refund %s is not pending", refundID)
	}
	re.Status = "succeeded"
	if !ok {
		re.Status = "failed"
		if ch := f.charges[re.Charge]; ch != nil {
			ch.Refunded -= re.Amount
		}
	}
	return nil
}

// IntentByKey returns the id of the PaymentIntent created with an
// Idempotency-Key ("" if none).
func (f *Server) IntentByKey(key string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, id := range sortedKeys(f.intents) {
		if f.intents[id].Key == key {
			return id
		}
	}
	return ""
}

// Object returns the current JSON of an object by id (cs_, seti_, pi_,
// ch_, re_, pm_, cus_), as an event's data.object.
func (f *Server) Object(id string) (map[string]any, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.sessions[id] != nil:
		return f.sessionJSON(f.sessions[id], nil), nil
	case f.setups[id] != nil:
		return f.setupJSON(f.setups[id], false), nil
	case f.intents[id] != nil:
		return f.intents[id].json(), nil
	case f.charges[id] != nil:
		return f.charges[id].json(), nil
	case f.refunds[id] != nil:
		return f.refunds[id].json(), nil
	case f.methods[id] != nil:
		return f.methods[id].json(), nil
	case f.customers[id] != nil:
		return f.customers[id].json(), nil
	}
	return nil, fmt.Errorf("stripefake: no object %s", id)
}

// LatestCharge returns the charge id of a PaymentIntent.
func (f *Server) LatestCharge(piID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if pi := f.intents[piID]; pi != nil {
		return pi.LatestCharge
	}
	return ""
}

// Dispute returns a dispute object on a PaymentIntent's charge.
func (f *Server) Dispute(piID, reason string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	pi := f.intents[piID]
	if pi == nil {
		return nil
	}
	return map[string]any{"id": f.newID("dp"), "object": "dispute", "amount": pi.Amount, "currency": pi.Currency,
		"charge": pi.LatestCharge, "payment_intent": pi.ID, "reason": reason, "status": "needs_response",
		"created": now(), "livemode": false, "metadata": map[string]string{}, "is_charge_refundable": false}
}
