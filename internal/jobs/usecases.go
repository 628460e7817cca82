package jobs

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/app"
)

// UseCases are the parts of app the workers call: one interface per area of
// app.App, listing only the methods used here. The fields of an *app.App
// fill it.
type UseCases struct {
	Alerts        AlertsUseCases
	Analytics     AnalyticsUseCases
	Collection    CollectionUseCases
	Invoicing     InvoicingUseCases
	Merchants     MerchantsUseCases
	Notifications NotificationsUseCases
	PayPages      PayPagesUseCases
	Renewals      RenewalsUseCases
}

// AlertsUseCases is what the workers call of app.Alerts.
type AlertsUseCases interface {
	CheckAlerts(ctx context.Context) (app.AlertCheckResult, error)
	SendAlertDigests(ctx context.Context) (int, error)
}

// AnalyticsUseCases is what the workers call of app.Analytics.
type AnalyticsUseCases interface {
	KeepClosedMonths(ctx context.Context) (int, error)
}

// CollectionUseCases is what the workers call of app.Collection.
type CollectionUseCases interface {
	ReconcileRefunds(ctx context.Context, limit int) (int, error)
}

// InvoicingUseCases is what the workers call of app.Invoicing.
type InvoicingUseCases interface {
	EmitTaxDocument(ctx context.Context, args app.EmitTaxDocumentArgs) (app.TaxDocumentStep, error)
	ResumeTaxDocuments(ctx context.Context, limit int) (int, error)
	RetryUFWaits(ctx context.Context) (int, error)
}

// MerchantsUseCases is what the workers call of app.Merchants.
type MerchantsUseCases interface {
	PruneIdempotencyKeys(ctx context.Context) (int64, error)
	SealAuditLog(ctx context.Context) (int, error)
}

// NotificationsUseCases is what the workers call of app.Notifications.
type NotificationsUseCases interface {
	DeliverWebhook(ctx context.Context, args app.DeliverWebhookArgs, jobAttempt int, render app.EventRenderer) (app.DeliveryOutcome, error)
	DispatchNotifications(ctx context.Context) (int, error)
	NextEmailAttempt(attempt int, now time.Time) time.Time
	NextWebhookAttempt(attempt int, now time.Time) time.Time
	SendEmail(ctx context.Context, args app.SendEmailArgs, jobAttempt int) (app.EmailOutcome, error)
}

// PayPagesUseCases is what the workers call of app.PayPages.
type PayPagesUseCases interface {
	ReconcilePayments(ctx context.Context, limit int) (int, error)
}

// RenewalsUseCases is what the workers call of app.Renewals.
type RenewalsUseCases interface {
	RecoverTestClocks(ctx context.Context) (int, error)
	SweepAll(ctx context.Context, chunk, lanes int, deadline time.Time) (int, error)
}
