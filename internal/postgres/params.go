package postgres

import (
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/auditdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/eventsdb"
	"github.com/cuota/cuota/internal/postgres/pgdb/lifecycledb"
)

// Query parameters built in one place, shared by the single-row writes and
// the pipelined batch writes (WriteBatch).

func createInvoiceParams(inv billing.Invoice, cols invoiceColumns) lifecycledb.CreateInvoiceParams {
	return lifecycledb.CreateInvoiceParams{
		ID:              inv.ID,
		MerchantID:      inv.Scope.MerchantID,
		Mode:            string(inv.Scope.Mode),
		CustomerID:      inv.CustomerID,
		SubscriptionID:  inv.SubscriptionID,
		Number:          inv.Number,
		Status:          string(inv.Status),
		BillingReason:   inv.BillingReason,
		Currency:        inv.Currency,
		PeriodStart:     ts(inv.PeriodStart),
		PeriodEnd:       ts(inv.PeriodEnd),
		Lines:           cols.lines,
		Subtotal:        inv.Subtotal,
		Discount:        inv.Discount,
		Tax:             inv.Tax,
		TaxAmounts:      cols.taxAmounts,
		Total:           inv.Total,
		AmountDue:       inv.AmountDue,
		AmountPaid:      inv.AmountPaid,
		AttemptCount:    inv.AttemptCount,
		NextAttemptAt:   tsPtr(inv.NextAttemptAt),
		FinalizedAt:     tsPtr(inv.FinalizedAt),
		PaidAt:          tsPtr(inv.PaidAt),
		VoidedAt:        tsPtr(inv.VoidedAt),
		Collection:      billing.CollectionOf(inv),
		DueDate:         tsPtr(inv.DueDate),
		PaymentMethodID: inv.PaymentMethodID,
		StartingBalance: inv.StartingBalance,
		EndingBalance:   inv.EndingBalance,
		Created:         ts(inv.Created),
		Updated:         ts(inv.Updated),
	}
}

func updateInvoiceParams(inv billing.Invoice, cols invoiceColumns) lifecycledb.UpdateInvoiceParams {
	return lifecycledb.UpdateInvoiceParams{
		Number:          inv.Number,
		Status:          string(inv.Status),
		Lines:           cols.lines,
		Subtotal:        inv.Subtotal,
		Discount:        inv.Discount,
		Tax:             inv.Tax,
		TaxAmounts:      cols.taxAmounts,
		Total:           inv.Total,
		AmountDue:       inv.AmountDue,
		AmountPaid:      inv.AmountPaid,
		AttemptCount:    inv.AttemptCount,
		NextAttemptAt:   tsPtr(inv.NextAttemptAt),
		FinalizedAt:     tsPtr(inv.FinalizedAt),
		PaidAt:          tsPtr(inv.PaidAt),
		VoidedAt:        tsPtr(inv.VoidedAt),
		DueDate:         tsPtr(inv.DueDate),
		PaymentMethodID: inv.PaymentMethodID,
		StartingBalance: inv.StartingBalance,
		EndingBalance:   inv.EndingBalance,
		Updated:         ts(inv.Updated),
		MerchantID:      inv.Scope.MerchantID,
		Mode:            string(inv.Scope.Mode),
		ID:              inv.ID,
	}
}

func createPaymentParams(p billing.Payment) lifecycledb.CreatePaymentParams {
	return lifecycledb.CreatePaymentParams{
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
		Created:         ts(p.Created),
		Updated:         ts(p.Updated),
	}
}

func updatePaymentParams(p billing.Payment) lifecycledb.UpdatePaymentParams {
	return lifecycledb.UpdatePaymentParams{
		GatewayRef:     p.GatewayRef,
		Status:         string(p.Status),
		FailureClass:   string(p.FailureClass),
		FailureCode:    p.FailureCode,
		FailureMessage: p.FailureMessage,
		AmountRefunded: p.AmountRefunded,
		NextActionUrl:  p.NextActionURL,
		Updated:        ts(p.Updated),
		MerchantID:     p.Scope.MerchantID,
		Mode:           string(p.Scope.Mode),
		ID:             p.ID,
	}
}

func updateSubscriptionParams(sub billing.Subscription, cols subscriptionColumns) lifecycledb.UpdateSubscriptionParams {
	return lifecycledb.UpdateSubscriptionParams{
		Status:               string(sub.Status),
		Items:                cols.items,
		PriceIds:             cols.priceIDs,
		Currency:             sub.Currency,
		Interval:             sub.Recurring.Interval,
		IntervalCount:        sub.Recurring.IntervalCount,
		PaymentMethodID:      sub.PaymentMethodID,
		BillingAnchor:        ts(sub.BillingAnchor),
		CycleIndex:           sub.CycleIndex,
		CurrentPeriodStart:   ts(sub.CurrentPeriodStart),
		CurrentPeriodEnd:     ts(sub.CurrentPeriodEnd),
		TrialStart:           tsPtr(sub.TrialStart),
		TrialEnd:             tsPtr(sub.TrialEnd),
		TrialWillEndSent:     sub.TrialWillEndSent,
		CancelAtPeriodEnd:    sub.CancelAtPeriodEnd,
		CancelAt:             tsPtr(sub.CancelAt),
		CanceledAt:           tsPtr(sub.CanceledAt),
		CancellationReason:   string(sub.CancellationReason),
		EndedAt:              tsPtr(sub.EndedAt),
		MaxCycles:            sub.MaxCycles,
		EndDate:              tsPtr(sub.EndDate),
		PendingChange:        cols.pendingChange,
		PendingLines:         cols.pendingLines,
		CouponID:             sub.CouponID,
		PromotionCodeID:      sub.PromotionCodeID,
		DefaultTaxRates:      cols.defaultTaxRates,
		DiscountEnd:          tsPtr(sub.DiscountEnd),
		DiscountUsed:         sub.DiscountUsed,
		NextActionAt:         tsPtr(sub.NextActionAt),
		Metadata:             cols.metadata,
		Updated:              ts(sub.Updated),
		MerchantID:           sub.Scope.MerchantID,
		Mode:                 string(sub.Scope.Mode),
		ID:                   sub.ID,
		Version:              sub.Version,
		CancellationFeedback: string(sub.CancellationFeedback),
		CancellationComment:  sub.CancellationComment,
	}
}

func createEventParams(e billing.Event) eventsdb.CreateEventParams {
	return eventsdb.CreateEventParams{
		ID:         e.ID,
		MerchantID: e.Scope.MerchantID,
		Mode:       string(e.Scope.Mode),
		Type:       e.Type,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		Data:       rawJSON(e.Data),
		Previous:   string(e.Previous),
		Created:    ts(e.Created),
	}
}

func insertAuditEntryParams(e billing.AuditEntry) auditdb.InsertAuditEntryParams {
	return auditdb.InsertAuditEntryParams{
		ID:         e.ID,
		MerchantID: e.MerchantID,
		Seq:        auditSeq(e),
		Mode:       string(e.Mode),
		Actor:      e.Actor,
		Action:     e.Action,
		ObjectType: e.ObjectType,
		ObjectID:   e.ObjectID,
		Before:     rawJSON(e.Before),
		After:      rawJSON(e.After),
		RequestID:  e.RequestID,
		ClientIp:   e.ClientIP,
		Created:    ts(e.Created),
		PrevHash:   e.PrevHash,
		Hash:       e.Hash,
	}
}
