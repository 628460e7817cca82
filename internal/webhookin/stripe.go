package webhookin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v86"
	"github.com/stripe/stripe-go/v86/webhook"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/stripegw"
)

// StripeGateway reads the current state of Stripe objects named by events
// (stripegw.Adapter).
type StripeGateway interface {
	ChargeByIntent(ctx context.Context, s billing.Scope, id string) (key string, res billing.ChargeResult, err error)
	// PaymentBySession reads a pay page's Checkout Session (payment mode):
	// the idempotency key of its payment ("" when it is not one of
	// cuota's pay pages for s) and the payment's outcome.
	PaymentBySession(ctx context.Context, s billing.Scope, id string) (key string, res billing.ChargeResult, err error)
	RefundsOfCharge(ctx context.Context, s billing.Scope, chargeID string) ([]billing.RefundResult, error)
	LookupRefund(ctx context.Context, s billing.Scope, id string) (billing.RefundResult, error)
}

// StripeCredentials reads a merchant's Stripe credentials, whose webhook
// secret checks the signature (app.Merchants).
type StripeCredentials interface {
	GatewayCredentials(ctx context.Context, s billing.Scope, gateway string) (billing.GatewayCredentials, error)
}

// StripeApp records what the verified events say (app.Collection).
type StripeApp interface {
	GatewayNotificationSeen(ctx context.Context, s billing.Scope, gateway, id string) (bool, error)
	MarkGatewayNotification(ctx context.Context, s billing.Scope, gateway, id string) error
	SettleGatewayCharge(ctx context.Context, s billing.Scope, gateway, key string, res billing.ChargeResult) error
	SettleGatewayRefund(ctx context.Context, s billing.Scope, gatewayRef string, res billing.RefundResult) error
	FinishGatewaySetup(ctx context.Context, s billing.Scope, gateway, setupID, ref string) error
	RecordGatewayDispute(ctx context.Context, s billing.Scope, gateway, notificationID, key string, d app.GatewayDispute) error
}

// Stripe handles POST /webhooks/stripe/{merchant}/{mode}: Stripe's signed
// events for one merchant and mode.
//
// Every event is verified on the raw body with the endpoint's signing
// secret from the merchant's credentials (Stripe-Signature, 300 s
// tolerance on both sides, any of several v1 signatures during a secret
// rotation); a bad signature is a 400 and changes nothing. The event's
// payload is used only to learn which object changed: cuota reads the
// object again from Stripe with its own pinned API version, so an
// endpoint left on another API version (even another release train) is
// handled, not rejected, and a forged-but-signed payload cannot claim a
// state Stripe does not confirm. Events are deduplicated by id; objects
// cuota did not create are ignored.
type Stripe struct {
	Gateway     StripeGateway
	Credentials StripeCredentials
	App         StripeApp
	Logger      *slog.Logger
	// Now is the clock for the signature's timestamp (nil: time.Now).
	Now func() time.Time
}

// Tolerance is how far a Stripe-Signature timestamp may be from now, in
// either direction.
const Tolerance = 300 * time.Second

// maxStripeEvent bounds an event's body (Stripe's are a few kilobytes).
const maxStripeEvent = 1 << 20

// Register adds the Stripe webhook route to mux.
func (h *Stripe) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /webhooks/stripe/{merchant}/{mode}", h.ServeHTTP)
}

// ServeHTTP implements http.Handler (for a mux with the {merchant} and
// {mode} path values; see Register).
func (h *Stripe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := billing.Scope{MerchantID: r.PathValue("merchant"), Mode: billing.Mode(r.PathValue("mode"))}
	if s.MerchantID == "" || len(s.MerchantID) > 100 || (s.Mode != billing.ModeTest && s.Mode != billing.ModeLive) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStripeEvent))
	if err != nil {
		status := http.StatusBadRequest
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		http.Error(w, "bad request", status)
		return
	}
	ctx := r.Context()
	ev, err := h.verify(ctx, s, body, r.Header.Get("Stripe-Signature"))
	if e := unavailable(err); e != nil {
		h.logger().ErrorContext(ctx, "stripe webhook: cannot check its signature now", "merchant", s.MerchantID, "mode", s.Mode, "error", err)
		http.Error(w, "try again later: "+e.Code, http.StatusServiceUnavailable)
		return
	}
	if err != nil {
		h.logger().InfoContext(ctx, "stripe webhook refused", "merchant", s.MerchantID, "mode", s.Mode, "reason", err.Error())
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	if ev.Livemode != (s.Mode == billing.ModeLive) {
		h.logger().WarnContext(ctx, "stripe webhook: event of the other mode refused (check which signing secret is configured)",
			"merchant", s.MerchantID, "mode", s.Mode, "event", ev.ID)
		http.Error(w, "bad request: event mode does not match the endpoint", http.StatusBadRequest)
		return
	}
	// Stripe event ids are unique per account; one account may feed
	// several merchants' endpoints, so the scope is part of the id.
	noteID := s.MerchantID + "/" + string(s.Mode) + "/" + ev.ID
	seen, err := h.App.GatewayNotificationSeen(ctx, s, billing.GatewayStripe, noteID)
	if err != nil {
		h.internal(ctx, w, s, ev, err)
		return
	}
	if seen {
		ok(w)
		return
	}
	handled, err := h.handle(ctx, s, ev, noteID)
	if e := billing.AsError(err); e != nil && e.Kind == billing.KindNotFound {
		handled, err = false, nil // an object cuota does not know
	}
	if err != nil {
		h.internal(ctx, w, s, ev, err)
		return
	}
	if handled {
		if err := h.App.MarkGatewayNotification(ctx, s, billing.GatewayStripe, noteID); err != nil {
			h.internal(ctx, w, s, ev, err)
			return
		}
	}
	ok(w)
}

func (h *Stripe) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

// internal answers 500 so that Stripe delivers the event again later.
func (h *Stripe) internal(ctx context.Context, w http.ResponseWriter, s billing.Scope, ev *stripeEvent, err error) {
	if !errors.Is(err, context.Canceled) {
		h.logger().ErrorContext(ctx, "stripe webhook", "merchant", s.MerchantID, "mode", s.Mode, "event", ev.ID,
			"type", ev.Type, "error", err)
	}
	http.Error(w, "internal error", http.StatusInternalServerError)
}

// stripeEvent is the part of an event cuota reads: which object changed.
// Only fields that are the same in every API version are decoded.
type stripeEvent struct {
	ID         string `json:"id"`
	Object     string `json:"object"`
	Type       string `json:"type"`
	APIVersion string `json:"api_version"`
	Livemode   bool   `json:"livemode"`
	Data       struct {
		Object eventObject `json:"object"`
	} `json:"data"`
}

type eventObject struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	Mode          string            `json:"mode"`
	Metadata      map[string]string `json:"metadata"`
	PaymentIntent expandable        `json:"payment_intent"`
	Amount        int64             `json:"amount"`
	Currency      string            `json:"currency"`
	Reason        string            `json:"reason"`
	Status        string            `json:"status"`
}

// expandable is the id of a field that is either an id or an object.
type expandable string

// UnmarshalJSON implements json.Unmarshaler.
func (e *expandable) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var id string
	if err := json.Unmarshal(b, &id); err == nil {
		*e = expandable(id)
		return nil
	}
	var obj struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &obj); err != nil {
		return err
	}
	*e = expandable(obj.ID)
	return nil
}

// verify checks the signature with the scope's endpoint secret and parses
// the event.
func (h *Stripe) verify(ctx context.Context, s billing.Scope, body []byte, header string) (*stripeEvent, error) {
	creds, err := h.Credentials.GatewayCredentials(ctx, s, billing.GatewayStripe)
	if e := unavailable(err); e != nil {
		return nil, e // configured, but not usable now (e.g. CUOTA_SECRET_KEY): Stripe retries
	}
	if err != nil {
		return nil, errors.New("stripe is not configured for this merchant and mode")
	}
	if creds.WebhookSecret == "" {
		return nil, errors.New("no webhook signing secret configured (PUT /v1/merchant/gateways/stripe with webhook_secret)")
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	// stripe-go checks only that the timestamp is not too old, against
	// its own clock; cuota checks both directions against its clock and
	// lets stripe-go check the signatures.
	ts, err := signatureTime(header)
	if err != nil {
		return nil, err
	}
	if d := now().Sub(ts); d > Tolerance || d < -Tolerance {
		return nil, errors.New("signature timestamp outside the tolerance")
	}
	// The API version is checked below, by what cuota needs of the payload.
	if _, err := webhook.ConstructEventWithOptions(body, header, creds.WebhookSecret,
		webhook.ConstructEventOptions{IgnoreTolerance: true, IgnoreAPIVersionMismatch: true}); err != nil {
		return nil, err
	}
	var ev stripeEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return nil, errors.New("signed body is not an event")
	}
	if ev.ID == "" || ev.Object != "event" || ev.Type == "" || ev.Data.Object.ID == "" {
		return nil, errors.New("signed body is not a complete event")
	}
	if !sameTrain(ev.APIVersion, stripe.APIVersion) {
		// Harmless: only ids and metadata are read from the payload, and
		// the objects are read again with cuota's version.
		h.logger().WarnContext(ctx, "stripe webhook: the endpoint's API version differs from cuota's; set it to "+stripe.APIVersion,
			"merchant", s.MerchantID, "event_api_version", ev.APIVersion)
	}
	return &ev, nil
}

// signatureTime reads t= from a Stripe-Signature header.
func signatureTime(header string) (time.Time, error) {
	for part := range strings.SplitSeq(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return time.Time{}, errors.New("bad signature timestamp")
			}
			return time.Unix(n, 0), nil
		}
	}
	return time.Time{}, errors.New("missing Stripe-Signature timestamp")
}

// sameTrain reports whether two API versions (yyyy-mm-dd.train) belong to
// the same release train.
func sameTrain(a, b string) bool {
	_, ta, okA := strings.Cut(a, ".")
	_, tb, okB := strings.Cut(b, ".")
	return okA && okB && ta == tb
}

// handle acts on one verified event and reports whether it concerned an
// object cuota created (and so should be marked as handled).
func (h *Stripe) handle(ctx context.Context, s billing.Scope, ev *stripeEvent, noteID string) (bool, error) {
	obj := ev.Data.Object
	owned := stripegw.Owned(obj.Metadata, s)
	switch ev.Type {
	case "checkout.session.completed", "checkout.session.expired", "checkout.session.async_payment_succeeded",
		"checkout.session.async_payment_failed":
		if obj.Object != "checkout.session" || !owned {
			return false, nil
		}
		switch {
		case obj.Metadata[stripegw.MetaSetup] != "":
			// The setup finishes through FinishSetup (Stripe is asked
			// again); the browser's return may already have done it.
			return true, h.App.FinishGatewaySetup(ctx, s, billing.GatewayStripe, obj.Metadata[stripegw.MetaSetup], obj.ID)
		case obj.Metadata[stripegw.MetaKey] != "" && (obj.Mode == "" || obj.Mode == "payment"):
			return h.payPage(ctx, s, obj)
		}
		return false, nil
	case "setup_intent.succeeded", "setup_intent.setup_failed", "setup_intent.canceled":
		if obj.Object != "setup_intent" || !owned || obj.Metadata[stripegw.MetaSetup] == "" {
			return false, nil
		}
		return true, h.App.FinishGatewaySetup(ctx, s, billing.GatewayStripe, obj.Metadata[stripegw.MetaSetup], "")
	case "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "payment_intent.processing",
		"payment_intent.requires_action":
		if obj.Object != "payment_intent" || !owned || obj.Metadata[stripegw.MetaKey] == "" {
			return false, nil
		}
		key, res, err := h.Gateway.ChargeByIntent(ctx, s, obj.ID)
		if err != nil || key == "" {
			return false, err
		}
		return true, h.App.SettleGatewayCharge(ctx, s, billing.GatewayStripe, key, res)
	case "charge.refunded", "charge.refund.updated":
		if obj.Object != "charge" && obj.Object != "refund" {
			return false, nil
		}
		if obj.Object == "refund" {
			return h.refund(ctx, s, obj)
		}
		refunds, err := h.Gateway.RefundsOfCharge(ctx, s, obj.ID)
		if err != nil || len(refunds) == 0 {
			return false, err
		}
		for _, res := range refunds {
			if err := h.App.SettleGatewayRefund(ctx, s, res.GatewayRef, res); err != nil {
				if e := billing.AsError(err); e != nil && e.Kind == billing.KindNotFound {
					continue
				}
				return false, err
			}
		}
		return true, nil
	case "refund.created", "refund.updated", "refund.failed":
		if obj.Object != "refund" {
			return false, nil
		}
		return h.refund(ctx, s, obj)
	case "charge.dispute.created":
		if obj.Object != "dispute" || obj.PaymentIntent == "" {
			return false, nil
		}
		key, _, err := h.Gateway.ChargeByIntent(ctx, s, string(obj.PaymentIntent))
		if err != nil || key == "" {
			return false, err
		}
		d := app.GatewayDispute{ID: obj.ID, Currency: strings.ToUpper(obj.Currency), Amount: obj.Amount,
			Reason: obj.Reason, Status: obj.Status}
		if amount, ok := stripegw.FromStripeAmount(obj.Amount, obj.Currency); ok {
			d.Amount = amount
		}
		// Recorded with its own dedupe in one transaction: marking it
		// again afterwards is a no-op.
		return true, h.App.RecordGatewayDispute(ctx, s, billing.GatewayStripe, noteID, key, d)
	}
	return false, nil
}

// payPage settles the payment of a pay page (a Checkout Session in payment
// mode) cuota created, as Stripe says it is now: the session is read
// again, so an event claiming "complete" for a session Stripe still has
// open changes nothing. A payment already settled is left alone (a
// success Stripe reports for one cuota failed is alerted, not applied).
func (h *Stripe) payPage(ctx context.Context, s billing.Scope, obj eventObject) (bool, error) {
	key, res, err := h.Gateway.PaymentBySession(ctx, s, obj.ID)
	if err != nil || key == "" {
		return false, err
	}
	if res.Status != billing.PaymentSucceeded && res.Status != billing.PaymentFailed {
		return true, nil // still open (or processing) at Stripe: nothing to settle yet
	}
	return true, h.App.SettleGatewayCharge(ctx, s, billing.GatewayStripe, key, res)
}

// refund settles a refund cuota created, as Stripe says it is now.
func (h *Stripe) refund(ctx context.Context, s billing.Scope, obj eventObject) (bool, error) {
	if !stripegw.Owned(obj.Metadata, s) || obj.Metadata[stripegw.MetaRefund] == "" {
		return false, nil
	}
	res, err := h.Gateway.LookupRefund(ctx, s, obj.ID)
	if err != nil {
		return false, err
	}
	return true, h.App.SettleGatewayRefund(ctx, s, obj.ID, res)
}
