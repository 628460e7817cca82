// Package webhookin receives gateways' notifications. Flow's carry only a
// token and no signature, so every one is verified with a signed status
// call to Flow before anything changes; a repeated notification is a
// no-op because the use cases it calls only move pending objects; an
// unknown token gets the same plain answer as a known one.
package webhookin

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/flow"
)

// FlowRefunds looks refunds up at Flow (flowgw.Adapter).
type FlowRefunds interface {
	LookupRefund(ctx context.Context, s billing.Scope, token string) (billing.RefundResult, error)
}

// FlowPayments verifies pay-page payments' tokens at Flow with a signed
// payment/getStatus (flowgw.Adapter): key is the order's commerceOrder,
// the idempotency key of cuota's payment.
type FlowPayments interface {
	LookupPaymentToken(ctx context.Context, s billing.Scope, token string) (key string, res billing.ChargeResult, err error)
}

// FlowApp records the verified outcomes (app.Collection). Both settle only
// pending objects, so a repeated notification changes nothing; both say
// NotFound for an object cuota does not know.
type FlowApp interface {
	SettleGatewayRefund(ctx context.Context, s billing.Scope, gatewayRef string, res billing.RefundResult) error
	SettleGatewayPayment(ctx context.Context, s billing.Scope, idempotencyKey string, res billing.ChargeResult) error
}

// Flow handles POST /webhooks/flow/{merchant}/{mode}/{kind}: kind
// "payment" (payment/create's urlConfirmation) and "refund" (refund/create's
// urlCallBack). Any other kind gets the plain answer and changes nothing.
type Flow struct {
	Refunds  FlowRefunds
	Payments FlowPayments
	App      FlowApp
	Logger   *slog.Logger
	// CheckTimeout bounds the status call that verifies a notification;
	// 0 means DefaultCheckTimeout.
	CheckTimeout time.Duration
}

// maxNotification bounds a notification's body: a form with a token.
const maxNotification = 16 << 10

// DefaultCheckTimeout bounds the signed status call that verifies a
// notification: Flow wants its answer within 15 s (its notification
// rules, https://www.flow.cl/docs/api.html), and a
// check that takes longer is answered 503 so that the notification can
// come again (the reconciler settles the object meanwhile in any case).
const DefaultCheckTimeout = 8 * time.Second

// Register adds the Flow notification routes to mux.
func (h *Flow) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /webhooks/flow/{merchant}/{mode}/{kind}", h.notify)
}

func (h *Flow) notify(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxNotification)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s := billing.Scope{MerchantID: r.PathValue("merchant"), Mode: billing.Mode(r.PathValue("mode"))}
	token := r.PostForm.Get("token")
	// Text no store can hold (billing.ValidText) is refused here: the
	// merchant id reaches the store when the credentials are read.
	if token == "" || len(token) > 200 || s.MerchantID == "" || (s.Mode != billing.ModeTest && s.Mode != billing.ModeLive) ||
		!billing.ValidText(token) || !billing.ValidText(s.MerchantID) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	kind := r.PathValue("kind")
	ctx := r.Context()
	checkTimeout := h.CheckTimeout
	if checkTimeout <= 0 {
		checkTimeout = DefaultCheckTimeout
	}
	var settle func() error
	switch kind {
	case "refund":
		check, cancel := context.WithTimeout(ctx, checkTimeout)
		res, err := h.Refunds.LookupRefund(check, s, token)
		cancel()
		if !h.checked(w, r, s, kind, err) {
			return
		}
		settle = func() error { return h.App.SettleGatewayRefund(ctx, s, token, res) }
	case "payment":
		check, cancel := context.WithTimeout(ctx, checkTimeout)
		key, res, err := h.Payments.LookupPaymentToken(check, s, token)
		cancel()
		if !h.checked(w, r, s, kind, err) {
			return
		}
		settle = func() error { return h.App.SettleGatewayPayment(ctx, s, key, res) }
	default:
		ok(w)
		return
	}
	if err := settle(); err != nil {
		if e := billing.AsError(err); e != nil && e.Kind == billing.KindNotFound {
			// Flow knows it, cuota does not (another system on the same
			// Flow account): nothing to do, and nothing to reveal.
			h.log().InfoContext(ctx, "flow notification for an unknown object ignored", "merchant", s.MerchantID, "kind", kind)
			ok(w)
			return
		}
		if !errors.Is(err, context.Canceled) {
			h.log().ErrorContext(ctx, "flow notification", "merchant", s.MerchantID, "kind", kind, "error", err)
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	ok(w)
}

// checked deals with the verification of a notification's token: true when
// Flow answered it. Flow not answering is a 503 (call again); a refusal (a
// token Flow does not know) or a merchant without Flow gets the plain
// answer, which reveals nothing; cuota failing to ask is a 500.
func (h *Flow) checked(w http.ResponseWriter, r *http.Request, s billing.Scope, kind string, err error) bool {
	ctx := r.Context()
	var ce *flow.CallError
	_, refused := flow.AsError(err)
	switch {
	case err == nil:
		return true
	case flow.IsOutcomeUnknown(err) || errors.As(err, &ce):
		h.log().WarnContext(ctx, "flow notification: status check failed", "merchant", s.MerchantID, "kind", kind, "error", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
	case unavailable(err) != nil:
		// Configured but not usable now (e.g. CUOTA_SECRET_KEY missing or
		// wrong): Flow calls again later.
		h.log().ErrorContext(ctx, "flow notification: cannot check it now", "merchant", s.MerchantID, "kind", kind, "error", err)
		http.Error(w, "try again later", http.StatusServiceUnavailable)
	case refused || billing.AsError(err) != nil:
		h.log().InfoContext(ctx, "flow notification ignored", "merchant", s.MerchantID, "kind", kind, "error", err)
		ok(w)
	default:
		if !errors.Is(err, context.Canceled) {
			h.log().ErrorContext(ctx, "flow notification: status check", "merchant", s.MerchantID, "kind", kind, "error", err)
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
	return false
}

// log is the handler's logger (none when Logger is nil).
func (h *Flow) log() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok\n"))
}

// unavailable returns err's domain error when it says the request cannot
// be served now but can be later (billing.KindUnavailable), else nil: the
// sender should deliver the notification again rather than have it
// refused or ignored.
func unavailable(err error) *billing.Error {
	if e := billing.AsError(err); e != nil && e.Kind == billing.KindUnavailable {
		return e
	}
	return nil
}
