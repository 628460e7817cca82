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

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/gateway/flow"
)

// FlowRefunds looks refunds up at Flow (flowgw.Adapter).
type FlowRefunds interface {
	LookupRefund(ctx context.Context, s billing.Scope, token string) (billing.RefundResult, error)
}

// RefundSettler records a refund's verified outcome (app.App).
type RefundSettler interface {
	SettleGatewayRefund(ctx context.Context, s billing.Scope, gatewayRef string, res billing.RefundResult) error
}

// Flow handles POST /webhooks/flow/{merchant}/{mode}/{kind}.
type Flow struct {
	Refunds FlowRefunds
	App     RefundSettler
	Logger  *slog.Logger
}

// maxNotification bounds a notification's body: a form with a token.
const maxNotification = 16 << 10

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
	if token == "" || len(token) > 200 || s.MerchantID == "" || (s.Mode != billing.ModeTest && s.Mode != billing.ModeLive) {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	switch r.PathValue("kind") {
	case "refund":
		res, err := h.Refunds.LookupRefund(ctx, s, token)
		if err != nil {
			if flow.IsOutcomeUnknown(err) {
				// Flow did not answer the check: ask to be called again.
				h.Logger.WarnContext(ctx, "flow refund notification: status check failed", "merchant", s.MerchantID, "error", err)
				http.Error(w, "try again later", http.StatusServiceUnavailable)
				return
			}
			// Unknown token, or a merchant without Flow: nothing to do,
			// and nothing to reveal.
			h.Logger.InfoContext(ctx, "flow refund notification ignored", "merchant", s.MerchantID, "error", err)
			ok(w)
			return
		}
		if err := h.App.SettleGatewayRefund(ctx, s, token, res); err != nil {
			if e := billing.AsError(err); e != nil && e.Kind == billing.KindNotFound {
				ok(w)
				return
			}
			if !errors.Is(err, context.Canceled) {
				h.Logger.ErrorContext(ctx, "flow refund notification", "merchant", s.MerchantID, "error", err)
			}
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		ok(w)
	default:
		ok(w)
	}
}

func ok(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok\n"))
}
