package stripefake

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

type customer struct {
	ID, Email, Name string
	Metadata        map[string]string
	Created         int64
}

type session struct {
	ID, Mode, Status, Customer, SuccessURL, CancelURL, ClientReferenceID, SetupIntent string
	Metadata                                                                          map[string]string
	Created, ExpiresAt                                                                int64
	// Payment mode: the line's total, the PaymentIntent (made when the
	// customer pays) and what it is created with.
	AmountTotal                          int64
	Currency, PaymentIntent, Description string
	IntentMetadata                       map[string]string
}

type setupIntent struct {
	ID, Status, Customer, PaymentMethod string
	Metadata                            map[string]string
	Created                             int64
}

type paymentMethod struct {
	ID, Card, Customer string
	Created            int64
}

type paymentIntent struct {
	ID, Status, Customer, PaymentMethod, Currency, Description, LatestCharge, CancellationReason string
	Amount, Created                                                                              int64
	Metadata                                                                                     map[string]string
	LastError                                                                                    map[string]any
	// Key is the Idempotency-Key the PaymentIntent was created with, or
	// for a Checkout Session's, its metadata[cuota_idempotency_key].
	Key string
	// Session is the Checkout Session that made it ("" for the API's).
	Session string
	// ReturnURL and UseSDK are those of the last confirmation: with a
	// return_url and not use_stripe_sdk, requires_action is a redirect.
	ReturnURL string
	UseSDK    bool
	baseURL   string
}

type charge struct {
	ID, PaymentIntent, Currency, Customer string
	Amount, Refunded, Created             int64
	Metadata                              map[string]string
}

type refund struct {
	ID, Charge, PaymentIntent, Currency, Status string
	Amount, Created                             int64
	Metadata                                    map[string]string
}

// card is what a test card number looks like on a PaymentMethod.
func cardJSON(number string) map[string]any {
	brand := "visa"
	if strings.HasPrefix(number, "5") {
		brand = "mastercard"
	}
	return map[string]any{"brand": brand, "last4": number[len(number)-4:], "exp_month": 12, "exp_year": 2034,
		"funding": "credit", "country": "US", "display_brand": brand}
}

func (f *Server) newID(prefix string) string {
	f.seq++
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s_fake%05d%x", prefix, f.seq, b)
}

func now() int64 { return time.Now().Unix() }

func meta(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (c *customer) json() map[string]any {
	return map[string]any{"id": c.ID, "object": "customer", "email": nullable(c.Email), "name": nullable(c.Name),
		"metadata": meta(c.Metadata), "created": c.Created, "livemode": false}
}

func (f *Server) sessionJSON(s *session, expand map[string]bool) map[string]any {
	out := map[string]any{"id": s.ID, "object": "checkout.session", "mode": s.Mode, "status": s.Status,
		"customer": s.Customer, "success_url": s.SuccessURL, "cancel_url": s.CancelURL, "client_reference_id": s.ClientReferenceID,
		"metadata": meta(s.Metadata), "created": s.Created, "expires_at": s.ExpiresAt, "livemode": false,
		"url": nil, "setup_intent": nullable(s.SetupIntent), "payment_status": "no_payment_required", "ui_mode": "hosted_page",
		"payment_intent": nullable(s.PaymentIntent), "amount_total": nil, "currency": nil}
	if s.Status == "open" {
		out["url"] = f.baseURL + "/c/pay/" + s.ID
	}
	if s.Mode == "payment" {
		out["amount_total"], out["amount_subtotal"], out["currency"] = s.AmountTotal, s.AmountTotal, s.Currency
		out["payment_status"] = "unpaid"
		if pi := f.intents[s.PaymentIntent]; pi != nil {
			if pi.Status == "succeeded" {
				out["payment_status"] = "paid"
			}
			if expand["payment_intent"] {
				out["payment_intent"] = pi.json()
			}
		}
	}
	if si := f.setups[s.SetupIntent]; si != nil && (expand["setup_intent"] || expand["setup_intent.payment_method"]) {
		out["setup_intent"] = f.setupJSON(si, expand["setup_intent.payment_method"])
	}
	return out
}

func (f *Server) setupJSON(si *setupIntent, expandPM bool) map[string]any {
	out := map[string]any{"id": si.ID, "object": "setup_intent", "status": si.Status, "customer": si.Customer,
		"payment_method": nullable(si.PaymentMethod), "metadata": meta(si.Metadata), "created": si.Created,
		"usage": "off_session", "livemode": false}
	if pm := f.methods[si.PaymentMethod]; pm != nil && expandPM {
		out["payment_method"] = pm.json()
	}
	return out
}

func (pm *paymentMethod) json() map[string]any {
	return map[string]any{"id": pm.ID, "object": "payment_method", "type": "card", "card": cardJSON(pm.Card),
		"customer": nullable(pm.Customer), "metadata": map[string]string{}, "created": pm.Created, "livemode": false}
}

func (pi *paymentIntent) json() map[string]any {
	out := map[string]any{"id": pi.ID, "object": "payment_intent", "amount": pi.Amount, "currency": pi.Currency,
		"customer": pi.Customer, "payment_method": pi.PaymentMethod, "status": pi.Status, "metadata": meta(pi.Metadata),
		"description": nullable(pi.Description), "created": pi.Created, "livemode": false, "latest_charge": nullable(pi.LatestCharge),
		"last_payment_error": nil, "cancellation_reason": nullable(pi.CancellationReason), "next_action": nil,
		"client_secret": pi.ID + "_secret_fake", "payment_method_types": []string{"card"}, "capture_method": "automatic",
		"confirmation_method": "automatic"}
	if pi.LastError != nil {
		out["last_payment_error"] = pi.LastError
	}
	if pi.Status == "requires_action" {
		out["next_action"] = map[string]any{"type": "use_stripe_sdk", "use_stripe_sdk": map[string]any{}}
		if pi.ReturnURL != "" && !pi.UseSDK {
			out["next_action"] = map[string]any{"type": "redirect_to_url",
				"redirect_to_url": map[string]any{"url": pi.baseURL + "/3ds/" + pi.ID, "return_url": pi.ReturnURL}}
		}
	}
	if pi.Status == "succeeded" {
		out["amount_received"] = pi.Amount
	}
	return out
}

func (c *charge) json() map[string]any {
	return map[string]any{"id": c.ID, "object": "charge", "amount": c.Amount, "amount_captured": c.Amount,
		"amount_refunded": c.Refunded, "refunded": c.Refunded >= c.Amount, "currency": c.Currency, "customer": c.Customer,
		"payment_intent": c.PaymentIntent, "metadata": meta(c.Metadata), "status": "succeeded", "paid": true, "captured": true,
		"created": c.Created, "livemode": false}
}

func (r *refund) json() map[string]any {
	return map[string]any{"id": r.ID, "object": "refund", "amount": r.Amount, "currency": r.Currency, "charge": r.Charge,
		"payment_intent": r.PaymentIntent, "status": r.Status, "metadata": meta(r.Metadata), "created": r.Created}
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
