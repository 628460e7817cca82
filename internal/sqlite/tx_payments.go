package sqlite

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/lifecycledb"
)

// paymentTx is the billing.PaymentTx of one transaction.
type paymentTx struct{ *base }

var _ billing.PaymentTx = paymentTx{}

// Payments.

// CreatePayment inserts p.
func (t paymentTx) CreatePayment(ctx context.Context, p billing.Payment) error {
	err := t.lifecycle.CreatePayment(ctx, lifecycledb.CreatePaymentParams{
		ID:              p.ID,
		MerchantID:      p.Scope.MerchantID,
		Mode:            string(p.Scope.Mode),
		InvoiceID:       p.InvoiceID,
		CustomerID:      p.CustomerID,
		Attempt:         p.Attempt,
		Gateway:         p.Gateway,
		PaymentMethodID: p.PaymentMethodID,
		Amount:          p.Amount,
		Currency:        p.Currency,
		IdempotencyKey:  p.IdempotencyKey,
		GatewayRef:      p.GatewayRef,
		Status:          string(p.Status),
		FailureClass:    string(p.FailureClass),
		FailureCode:     p.FailureCode,
		FailureMessage:  p.FailureMessage,
		AmountRefunded:  p.AmountRefunded,
		NextActionUrl:   p.NextActionURL,
		ReturnUrl:       p.ReturnURL,
		Created:         micros(p.Created),
		Updated:         micros(p.Updated),
	})
	if err != nil {
		return dbError(err, "create payment %s", p.ID)
	}
	return nil
}

// GetPayment returns the payment with id in scope s.
func (t paymentTx) GetPayment(ctx context.Context, s billing.Scope, id string) (billing.Payment, error) {
	row, err := t.lifecycle.GetPayment(ctx, lifecycledb.GetPaymentParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Payment{}, dbError(err, "get payment %s", id)
	}
	return paymentFromRow(row)
}

// GetPayments returns the payments of ids in scope s, by id.
func (t paymentTx) GetPayments(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Payment, error) {
	if len(ids) == 0 {
		return map[string]billing.Payment{}, nil
	}
	rows, err := t.lifecycle.GetPayments(ctx, lifecycledb.GetPaymentsParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Ids: ids})
	if err != nil {
		return nil, dbError(err, "get payments")
	}
	out, err := convertRows(rows, paymentFromRow)
	if err != nil {
		return nil, err
	}
	return byID(out, func(p billing.Payment) string { return p.ID }), nil
}

// UpdatePayment writes p's gateway ref, status, failure fields, amount
// refunded and updated.
func (t paymentTx) UpdatePayment(ctx context.Context, p billing.Payment) error {
	n, err := t.lifecycle.UpdatePayment(ctx, lifecycledb.UpdatePaymentParams{
		GatewayRef:     p.GatewayRef,
		Status:         string(p.Status),
		FailureClass:   string(p.FailureClass),
		FailureCode:    p.FailureCode,
		FailureMessage: p.FailureMessage,
		AmountRefunded: p.AmountRefunded,
		NextActionUrl:  p.NextActionURL,
		Updated:        micros(p.Updated),
		MerchantID:     p.Scope.MerchantID,
		Mode:           string(p.Scope.Mode),
		ID:             p.ID,
	})
	return notFoundIfNone(n, err, "update payment %s", p.ID)
}

// ListPayments returns a page of s's payments, newest first.
func (t paymentTx) ListPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter, page billing.Page) ([]billing.Payment, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := lifecycledb.ListPaymentsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		InvoiceID:     f.InvoiceID,
		CustomerID:    f.CustomerID,
		Status:        string(f.Status),
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
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
		return nil, false, dbError(err, "list payments")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, paymentFromRow)
	return out, more, err
}

func paymentFromRow(row lifecycledb.Payment) (billing.Payment, error) {
	return billing.Payment{
		ID:              row.ID,
		Scope:           billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		InvoiceID:       row.InvoiceID,
		CustomerID:      row.CustomerID,
		Attempt:         row.Attempt,
		Gateway:         row.Gateway,
		PaymentMethodID: row.PaymentMethodID,
		Amount:          row.Amount,
		Currency:        row.Currency,
		IdempotencyKey:  row.IdempotencyKey,
		GatewayRef:      row.GatewayRef,
		Status:          billing.PaymentStatus(row.Status),
		FailureClass:    billing.FailureClass(row.FailureClass),
		FailureCode:     row.FailureCode,
		FailureMessage:  row.FailureMessage,
		AmountRefunded:  row.AmountRefunded,
		NextActionURL:   row.NextActionUrl,
		ReturnURL:       row.ReturnUrl,
		Created:         fromMicros(row.Created),
		Updated:         fromMicros(row.Updated),
	}, nil
}

// Refunds.

// CreateRefund inserts r.
func (t paymentTx) CreateRefund(ctx context.Context, r billing.Refund) error {
	taxAmounts, err := encodeList(r.TaxAmounts)
	if err != nil {
		return fmt.Errorf("create refund %s: encode tax amounts: %w", r.ID, err)
	}
	err = t.lifecycle.CreateRefund(ctx, lifecycledb.CreateRefundParams{
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
		Created:    micros(r.Created),
		Updated:    micros(r.Updated),
	})
	if err != nil {
		return dbError(err, "create refund %s", r.ID)
	}
	return nil
}

// GetRefund returns the refund with id in scope s.
func (t paymentTx) GetRefund(ctx context.Context, s billing.Scope, id string) (billing.Refund, error) {
	row, err := t.lifecycle.GetRefund(ctx, lifecycledb.GetRefundParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Refund{}, dbError(err, "get refund %s", id)
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
		return nil, dbError(err, "get refunds")
	}
	out, err := convertRows(rows, refundFromRow)
	if err != nil {
		return nil, err
	}
	return byID(out, func(r billing.Refund) string { return r.ID }), nil
}

// UpdateRefund writes r's status, gateway ref and updated.
func (t paymentTx) UpdateRefund(ctx context.Context, r billing.Refund) error {
	n, err := t.lifecycle.UpdateRefund(ctx, lifecycledb.UpdateRefundParams{
		Status:     string(r.Status),
		GatewayRef: r.GatewayRef,
		Updated:    micros(r.Updated),
		MerchantID: r.Scope.MerchantID,
		Mode:       string(r.Scope.Mode),
		ID:         r.ID,
	})
	return notFoundIfNone(n, err, "update refund %s", r.ID)
}

// ListRefunds returns a page of s's refunds (of one payment when paymentID
// is not empty), newest first.
func (t paymentTx) ListRefunds(ctx context.Context, s billing.Scope, paymentID string, page billing.Page) ([]billing.Refund, bool, error) {
	rows, err := t.lifecycle.ListRefunds(ctx, lifecycledb.ListRefundsParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		PaymentID:     paymentID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "list refunds")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, refundFromRow)
	return out, more, err
}

func refundFromRow(row lifecycledb.Refund) (billing.Refund, error) {
	taxAmounts, err := decodeOptList[billing.TaxAmount](row.TaxAmounts)
	if err != nil {
		return billing.Refund{}, fmt.Errorf("decode tax amounts of refund %s: %w", row.ID, err)
	}
	return billing.Refund{
		ID:         row.ID,
		Scope:      billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		PaymentID:  row.PaymentID,
		Amount:     row.Amount,
		Currency:   row.Currency,
		Status:     billing.RefundStatus(row.Status),
		Reason:     row.Reason,
		GatewayRef: row.GatewayRef,
		Tax:        row.Tax,
		TaxAmounts: taxAmounts,
		Created:    fromMicros(row.Created),
		Updated:    fromMicros(row.Updated),
	}, nil
}
