package stripegw

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/stripe/stripe-go/v86"

	"github.com/cuota/cuota/internal/billing"
)

// Refund returns money of a charge with one Refund on its PaymentIntent,
// whose Idempotency-Key is cuota's refund id. Stripe answers succeeded,
// pending (settled later: charge.refunded / refund.updated, or the refund
// reconciler through LookupRefund) or failed.
func (a *Adapter) Refund(ctx context.Context, r billing.RefundRequest) (billing.RefundResult, error) {
	amount, err := toStripe(r.Amount, r.Currency)
	if err != nil {
		return billing.RefundResult{}, err
	}
	p := &stripe.RefundCreateParams{Amount: stripe.Int64(amount),
		Metadata: metadata(r.Scope, MetaRefund, r.IdempotencyKey, MetaKey, r.ChargeKey)}
	switch {
	case strings.HasPrefix(r.ChargeRef, "pi_"):
		p.PaymentIntent = stripe.String(r.ChargeRef)
	case strings.HasPrefix(r.ChargeRef, "ch_"), strings.HasPrefix(r.ChargeRef, "py_"):
		p.Charge = stripe.String(r.ChargeRef)
	default:
		return billing.RefundResult{}, billing.Invalid("payment", billing.CodeParameterInvalid,
			"the payment has no Stripe PaymentIntent to refund")
	}
	cl, err := a.client(ctx, r.Scope)
	if err != nil {
		return billing.RefundResult{}, err
	}
	p.SetIdempotencyKey(r.IdempotencyKey)
	ctx, tr := withTrace(ctx)
	ref, err := cl.V1Refunds.Create(ctx, p)
	if err != nil {
		var se *stripe.Error
		switch {
		case neverSent(err, tr), errors.As(err, &se) && se.HTTPStatusCode == http.StatusTooManyRequests:
			return billing.RefundResult{}, billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable,
				"Stripe is rate limiting requests; nothing was refunded, try again shortly")
		case se != nil && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 && se.HTTPStatusCode != http.StatusConflict &&
			se.Type != stripe.ErrorTypeIdempotency:
			return billing.RefundResult{}, billing.Invalid("payment", billing.CodeParameterInvalid, "Stripe refused the refund: %s", stripeMessage(se))
		}
		return billing.RefundResult{}, fmt.Errorf("stripe: refund %s: %w: %w", r.IdempotencyKey, billing.ErrOutcomeUnknown, err)
	}
	return refundResult(ref), nil
}

// refundResult maps a Stripe refund's status.
func refundResult(ref *stripe.Refund) billing.RefundResult {
	res := billing.RefundResult{Status: billing.RefundPending, GatewayRef: ref.ID}
	switch ref.Status {
	case stripe.RefundStatusSucceeded:
		res.Status = billing.RefundSucceeded
	case stripe.RefundStatusFailed, stripe.RefundStatusCanceled:
		res.Status = billing.RefundFailed
	}
	return res
}

// LookupRefund implements billing.RefundLooker: it reads a refund by id.
func (a *Adapter) LookupRefund(ctx context.Context, s billing.Scope, id string) (billing.RefundResult, error) {
	cl, err := a.client(ctx, s)
	if err != nil {
		return billing.RefundResult{}, err
	}
	ref, err := cl.V1Refunds.Retrieve(ctx, id, nil)
	if err != nil {
		return billing.RefundResult{}, fmt.Errorf("stripe: read refund %s: %w", id, err)
	}
	return refundResult(ref), nil
}

// RefundsOfCharge lists the refunds cuota created for scope s on a charge
// (for the charge.refunded webhook, whose charge no longer embeds them).
func (a *Adapter) RefundsOfCharge(ctx context.Context, s billing.Scope, chargeID string) ([]billing.RefundResult, error) {
	cl, err := a.client(ctx, s)
	if err != nil {
		return nil, err
	}
	var out []billing.RefundResult
	list := cl.V1Refunds.List(ctx, &stripe.RefundListParams{Charge: stripe.String(chargeID),
		ListParams: stripe.ListParams{Limit: stripe.Int64(100)}})
	for ref, err := range list.All(ctx) {
		if err != nil {
			return nil, fmt.Errorf("stripe: list refunds of %s: %w", chargeID, err)
		}
		if Owned(ref.Metadata, s) && ref.Metadata[MetaRefund] != "" {
			out = append(out, refundResult(ref))
		}
	}
	return out, nil
}
