package postgres

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
)

// paymentTx is the billing.PaymentTx of one transaction.
type paymentTx struct{ *base }

var _ billing.PaymentTx = paymentTx{}

// CreatePayment inserts p. A duplicate idempotency key in the scope is a
// *billing.ErrUniqueViolation "payments_idempotency_key_key"; a second
// succeeded payment of one invoice is "payments_one_success_key".
func (t paymentTx) CreatePayment(ctx context.Context, p billing.Payment) error {
	return t.writeLifecycle(ctx, "create payment "+p.ID, func(q *lifecycledb.Queries) error {
		return q.CreatePayment(ctx, createPaymentParams(p))
	})
}

// GetPayment returns the payment with id in scope s.
func (t paymentTx) GetPayment(ctx context.Context, s billing.Scope, id string) (billing.Payment, error) {
	row, err := t.lifecycle.GetPayment(ctx, lifecycledb.GetPaymentParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Payment{}, dbError("get payment "+id, err)
	}
	return paymentFromRow(row), nil
}

// GetPayments returns the payments of ids in scope s, by id.
func (t paymentTx) GetPayments(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Payment, error) {
	if len(ids) == 0 {
		return map[string]billing.Payment{}, nil
	}
	rows, err := t.lifecycle.GetPayments(ctx, lifecycledb.GetPaymentsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Ids: ids})
	if err != nil {
		return nil, dbError("get payments", err)
	}
	out := make(map[string]billing.Payment, len(rows))
	for _, r := range rows {
		out[r.ID] = paymentFromRow(r)
	}
	return out, nil
}

// UpdatePayment writes p's gateway reference, status, failure fields,
// amount refunded and updated time.
func (t paymentTx) UpdatePayment(ctx context.Context, p billing.Payment) error {
	return t.writeLifecycle(ctx, "update payment "+p.ID, func(q *lifecycledb.Queries) error {
		return updated(q.UpdatePayment(ctx, updatePaymentParams(p)))
	})
}

// ListPayments returns a page of scope s's payments, newest first.
func (t paymentTx) ListPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter, pg billing.Page) ([]billing.Payment, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := lifecycledb.ListPaymentsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		InvoiceID:     f.InvoiceID,
		CustomerID:    f.CustomerID,
		Status:        string(f.Status),
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	}
	var rows []lifecycledb.Payment
	var err error
	switch {
	case f.InvoiceID != "":
		rows, err = t.lifecycle.ListPaymentsOfInvoice(ctx, lifecycledb.ListPaymentsOfInvoiceParams(p))
	case f.CustomerID != "":
		rows, err = t.lifecycle.ListPaymentsOfCustomer(ctx, lifecycledb.ListPaymentsOfCustomerParams(p))
	default:
		rows, err = t.lifecycle.ListPayments(ctx, p)
	}
	if err != nil {
		return nil, false, dbError("list payments", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out := make([]billing.Payment, 0, len(rows))
	for _, r := range rows {
		out = append(out, paymentFromRow(r))
	}
	return out, more, nil
}

func paymentFromRow(r lifecycledb.Payment) billing.Payment {
	return billing.Payment{
		ID:              r.ID,
		Scope:           billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		InvoiceID:       r.InvoiceID,
		CustomerID:      r.CustomerID,
		Attempt:         r.Attempt,
		Gateway:         r.Gateway,
		PaymentMethodID: r.PaymentMethodID,
		Amount:          r.Amount,
		Currency:        r.Currency,
		IdempotencyKey:  r.IdempotencyKey,
		GatewayRef:      r.GatewayRef,
		Status:          billing.PaymentStatus(r.Status),
		FailureClass:    billing.FailureClass(r.FailureClass),
		FailureCode:     r.FailureCode,
		FailureMessage:  r.FailureMessage,
		AmountRefunded:  r.AmountRefunded,
		NextActionURL:   r.NextActionUrl,
		ReturnURL:       r.ReturnUrl,
		Created:         r.Created.UTC(),
		Updated:         r.Updated.UTC(),
	}
}

// CreateRefund inserts r.
func (t paymentTx) CreateRefund(ctx context.Context, r billing.Refund) error {
	taxAmounts, err := encodeList(r.TaxAmounts)
	if err != nil {
		return fmt.Errorf("postgres: create refund %s: tax amounts: %w", r.ID, err)
	}
	return t.writeLifecycle(ctx, "create refund "+r.ID, func(q *lifecycledb.Queries) error {
		return q.CreateRefund(ctx, lifecycledb.CreateRefundParams{
			ID:         r.ID,
			MerchantID: r.Scope.MerchantID,
			Mode:       string(r.Scope.Mode),
			PaymentID:  r.PaymentID,
			Amount:     r.Amount,
			Currency:   r.Currency,
			Status:     string(r.Status),
			Reason:     r.Reason,
			GatewayRef: r.GatewayRef,
			Tax:        r.Tax,
			TaxAmounts: taxAmounts,
			Created:    ts(r.Created),
			Updated:    ts(r.Updated),
		})
	})
}

// GetRefund returns the refund with id in scope s.
func (t paymentTx) GetRefund(ctx context.Context, s billing.Scope, id string) (billing.Refund, error) {
	row, err := t.lifecycle.GetRefund(ctx, lifecycledb.GetRefundParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Refund{}, dbError("get refund "+id, err)
	}
	return refundFromRow(row)
}

// GetRefunds returns the refunds of ids in scope s, by id.
func (t paymentTx) GetRefunds(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Refund, error) {
	if len(ids) == 0 {
		return map[string]billing.Refund{}, nil
	}
	rows, err := t.lifecycle.GetRefunds(ctx, lifecycledb.GetRefundsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Ids: ids})
	if err != nil {
		return nil, dbError("get refunds", err)
	}
	out, err := convertRows(rows, refundFromRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: get refunds: %w", err)
	}
	return byID(out, func(r billing.Refund) string { return r.ID }), nil
}

// UpdateRefund writes r's status, gateway reference and updated time.
func (t paymentTx) UpdateRefund(ctx context.Context, r billing.Refund) error {
	return t.writeLifecycle(ctx, "update refund "+r.ID, func(q *lifecycledb.Queries) error {
		return updated(q.UpdateRefund(ctx, lifecycledb.UpdateRefundParams{
			Status:     string(r.Status),
			GatewayRef: r.GatewayRef,
			Updated:    ts(r.Updated),
			MerchantID: r.Scope.MerchantID,
			Mode:       string(r.Scope.Mode),
			ID:         r.ID,
		}))
	})
}

// ListRefunds returns a page of scope s's refunds, of one payment when
// paymentID is not empty, newest first.
func (t paymentTx) ListRefunds(ctx context.Context, s billing.Scope, paymentID string, pg billing.Page) ([]billing.Refund, bool, error) {
	rows, err := t.lifecycle.ListRefunds(ctx, lifecycledb.ListRefundsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		PaymentID:     paymentID,
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("list refunds", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, refundFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list refunds: %w", err)
	}
	return out, more, nil
}

func refundFromRow(r lifecycledb.Refund) (billing.Refund, error) {
	taxAmounts, err := decodeList[billing.TaxAmount](r.TaxAmounts)
	if err != nil {
		return billing.Refund{}, fmt.Errorf("refund %s tax amounts: %w", r.ID, err)
	}
	return billing.Refund{
		ID:         r.ID,
		Scope:      billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		PaymentID:  r.PaymentID,
		Amount:     r.Amount,
		Currency:   r.Currency,
		Status:     billing.RefundStatus(r.Status),
		Reason:     r.Reason,
		GatewayRef: r.GatewayRef,
		Tax:        r.Tax,
		TaxAmounts: taxAmounts,
		Created:    r.Created.UTC(),
		Updated:    r.Updated.UTC(),
	}, nil
}
