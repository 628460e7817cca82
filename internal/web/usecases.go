package web

import (
	"context"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// UseCases are the parts of app the hosted pages call: one interface per area of
// app.App, listing only the methods used here. The fields of an *app.App
// fill it.
type UseCases struct {
	Checkout  CheckoutUseCases
	Customers CustomersUseCases
	Merchants MerchantsUseCases
	PayPages  PayPagesUseCases
	Portal    PortalUseCases
}

// CheckoutUseCases is what the hosted pages call of app.Checkout.
type CheckoutUseCases interface {
	CheckoutPortal(ctx context.Context, id, secret string) (string, error)
	CheckoutThanks(ctx context.Context, id, secret string) (app.CheckoutThanksView, error)
	OpenCheckout(ctx context.Context, id, secret string) (app.CheckoutView, error)
	PricingTable(ctx context.Context, pk string, productIDs []string) (app.PricingView, error)
	ReturnCheckout(ctx context.Context, id, secret string) (app.CheckoutOutcome, error)
	StartPricingCheckout(ctx context.Context, pk, priceID, token, locale string) (string, error)
	SubmitCheckout(ctx context.Context, id, secret string, in app.CheckoutSubmit) (string, error)
}

// CustomersUseCases is what the hosted pages call of app.Customers.
type CustomersUseCases interface {
	CompleteGatewaySetup(ctx context.Context, gateway, id, token string) (string, error)
	CompleteSimSetup(ctx context.Context, id, secret, token string) (string, error)
	GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error)
	OpenSimSetup(ctx context.Context, id, secret string) (billing.PaymentMethodSetup, error)
}

// MerchantsUseCases is what the hosted pages call of app.Merchants.
type MerchantsUseCases interface {
	GetLogo(ctx context.Context, sha256 string) (billing.Logo, error)
}

// PayPagesUseCases is what the hosted pages call of app.PayPages.
type PayPagesUseCases interface {
	InvoicePagePDF(ctx context.Context, ref app.HostedRef) ([]byte, string, error)
	InvoicePageTaxDocument(ctx context.Context, ref app.HostedRef) ([]byte, string, error)
	OpenInvoicePage(ctx context.Context, ref app.HostedRef) (app.InvoicePage, error)
	OpenSimPayPage(ctx context.Context, ref app.HostedRef) (app.SimPayPage, error)
	PayInvoiceOnPage(ctx context.Context, ref app.HostedRef, gateway string) (string, error)
	PaySimPage(ctx context.Context, ref app.HostedRef, token string) (string, error)
	PublicURL() string
	ReturnFromPayPage(ctx context.Context, ref app.HostedRef) (string, error)
}

// PortalUseCases is what the hosted pages call of app.Portal.
type PortalUseCases interface {
	OpenPortal(ctx context.Context, id, secret string) (app.PortalView, error)
	PortalCancel(ctx context.Context, id, secret, subID string, feedback billing.CancellationFeedback, comment string) (billing.Subscription, error)
	PortalChange(ctx context.Context, id, secret, subID, priceID string) (billing.Subscription, error)
	PortalChangeOptions(ctx context.Context, id, secret, subID, priceID string) (app.PortalChangeView, error)
	PortalReactivate(ctx context.Context, id, secret, subID string) (billing.Subscription, error)
	PortalSetupResult(ctx context.Context, id, secret, setupID string) (billing.PaymentMethodSetup, error)
	PortalUpdateCard(ctx context.Context, id, secret, gateway string) (string, error)
}
