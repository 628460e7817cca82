package httpapi

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// UseCases are the parts of app the REST API calls: one interface per area of
// app.App, listing only the methods used here. The fields of an *app.App
// fill it.
type UseCases struct {
	Alerts        AlertsUseCases
	Analytics     AnalyticsUseCases
	Catalog       CatalogUseCases
	Checkout      CheckoutUseCases
	Collection    CollectionUseCases
	Customers     CustomersUseCases
	Exports       ExportsUseCases
	Invoicing     InvoicingUseCases
	Merchants     MerchantsUseCases
	Notifications NotificationsUseCases
	Portal        PortalUseCases
	Renewals      RenewalsUseCases
	Subscriptions SubscriptionsUseCases
	UFRates       UFRatesUseCases // app.Invoicing's UF values
}

// UFRatesUseCases is what the REST API calls of app.Invoicing about UF
// values (docs/uf.md).
type UFRatesUseCases interface {
	GetUFRate(ctx context.Context, s billing.Scope, date string) (billing.UFRate, error)
	ListUFRates(ctx context.Context, s billing.Scope, before string, limit int) (app.List[billing.UFRate], error)
	SetUFRate(ctx context.Context, s billing.Scope, p app.SetUFRateParams) (billing.UFRate, error)
}

// AlertsUseCases is what the REST API calls of app.Alerts.
type AlertsUseCases interface {
	AcknowledgeAlert(ctx context.Context, s billing.Scope, id string) (billing.Alert, error)
	GetAlert(ctx context.Context, s billing.Scope, id string) (billing.Alert, error)
	ListAlerts(ctx context.Context, s billing.Scope, f billing.AlertFilter, page billing.Page) (app.List[billing.Alert], error)
}

// ExportsUseCases is what the REST API calls of app.Exports.
type ExportsUseCases interface {
	ExportCustomers(ctx context.Context, s billing.Scope, f billing.CustomerFilter) (app.Export, error)
	ExportInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter) (app.Export, error)
	ExportPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter) (app.Export, error)
	ExportSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter) (app.Export, error)
}

// AnalyticsUseCases is what the REST API calls of app.Analytics.
type AnalyticsUseCases interface {
	MRR(ctx context.Context, s billing.Scope, p app.MRRParams) (app.MRRReport, error)
	Summary(ctx context.Context, s billing.Scope, p app.SummaryParams) (app.Summary, error)
}

// CatalogUseCases is what the REST API calls of app.Catalog.
type CatalogUseCases interface {
	CreateCoupon(ctx context.Context, s billing.Scope, p app.CreateCouponParams) (billing.Coupon, error)
	CreatePrice(ctx context.Context, s billing.Scope, p app.CreatePriceParams) (billing.Price, error)
	CreateProduct(ctx context.Context, s billing.Scope, p app.ProductParams) (billing.Product, error)
	CreateTaxRate(ctx context.Context, s billing.Scope, p app.CreateTaxRateParams) (billing.TaxRate, error)
	CreatePromotionCode(ctx context.Context, s billing.Scope, p app.CreatePromotionCodeParams) (billing.PromotionCode, error)
	GetCoupon(ctx context.Context, s billing.Scope, id string) (billing.Coupon, error)
	GetPrice(ctx context.Context, s billing.Scope, id string) (billing.Price, error)
	GetProduct(ctx context.Context, s billing.Scope, id string) (billing.Product, error)
	GetPromotionCode(ctx context.Context, s billing.Scope, id string) (billing.PromotionCode, error)
	GetTaxRate(ctx context.Context, s billing.Scope, id string) (billing.TaxRate, error)
	ListCoupons(ctx context.Context, s billing.Scope, page billing.Page) (app.List[billing.Coupon], error)
	ListPrices(ctx context.Context, s billing.Scope, f billing.PriceFilter, page billing.Page) (app.List[billing.Price], error)
	ListProducts(ctx context.Context, s billing.Scope, f billing.ProductFilter, page billing.Page) (app.List[billing.Product], error)
	ListPromotionCodes(ctx context.Context, s billing.Scope, f billing.PromotionCodeFilter, page billing.Page) (app.List[billing.PromotionCode], error)
	ListTaxRates(ctx context.Context, s billing.Scope, active *bool, page billing.Page) (app.List[billing.TaxRate], error)
	Now() time.Time
	UpdateCoupon(ctx context.Context, s billing.Scope, id string, p app.UpdateCouponParams) (billing.Coupon, error)
	UpdatePrice(ctx context.Context, s billing.Scope, id string, p app.UpdatePriceParams) (billing.Price, error)
	UpdateProduct(ctx context.Context, s billing.Scope, id string, p app.ProductParams) (billing.Product, error)
	UpdatePromotionCode(ctx context.Context, s billing.Scope, id string, p app.UpdatePromotionCodeParams) (billing.PromotionCode, error)
	UpdateTaxRate(ctx context.Context, s billing.Scope, id string, p app.UpdateTaxRateParams) (billing.TaxRate, error)
}

// CheckoutUseCases is what the REST API calls of app.Checkout.
type CheckoutUseCases interface {
	CreateCheckoutSession(ctx context.Context, s billing.Scope, p app.CreateCheckoutParams) (billing.CheckoutSession, string, error)
	CreatePublishableKey(ctx context.Context, s billing.Scope, p app.PublishableKeyParams) (billing.PublishableKey, error)
	ExpireCheckoutSession(ctx context.Context, s billing.Scope, id string) (billing.CheckoutSession, error)
	GetCheckoutSession(ctx context.Context, s billing.Scope, id string) (billing.CheckoutSession, error)
	ListPublishableKeys(ctx context.Context, s billing.Scope) ([]billing.PublishableKey, error)
	PublicURL() string
	RevokePublishableKey(ctx context.Context, s billing.Scope, id string) (billing.PublishableKey, error)
}

// CollectionUseCases is what the REST API calls of app.Collection.
type CollectionUseCases interface {
	CreateCreditNote(ctx context.Context, s billing.Scope, p app.CreditNoteParams) (billing.CreditNote, error)
	CreateRefund(ctx context.Context, s billing.Scope, p app.CreateRefundParams) (billing.Refund, error)
	CreditNotePDF(ctx context.Context, s billing.Scope, id string) ([]byte, string, error)
	GetCreditNote(ctx context.Context, s billing.Scope, id string) (billing.CreditNote, error)
	ListCreditNotes(ctx context.Context, s billing.Scope, f billing.CreditNoteFilter, page billing.Page) (app.List[billing.CreditNote], error)
	PreviewCreditNote(ctx context.Context, s billing.Scope, p app.CreditNoteParams) (billing.CreditNote, error)
	VoidCreditNote(ctx context.Context, s billing.Scope, id string) (billing.CreditNote, error)
	GetPayment(ctx context.Context, s billing.Scope, id string) (billing.Payment, error)
	GetRefund(ctx context.Context, s billing.Scope, id string) (billing.Refund, error)
	ListPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter, page billing.Page) (app.List[billing.Payment], error)
	ListRefunds(ctx context.Context, s billing.Scope, paymentID string, page billing.Page) (app.List[billing.Refund], error)
	MarkUncollectible(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
	PayInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
	VoidInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
}

// CustomersUseCases is what the REST API calls of app.Customers.
type CustomersUseCases interface {
	AdjustBalance(ctx context.Context, s billing.Scope, customerID string, p app.BalanceParams) (billing.BalanceTransaction, error)
	AttachPaymentMethod(ctx context.Context, s billing.Scope, customerID string, p app.AttachPaymentMethodParams) (billing.PaymentMethod, error)
	CreateCustomer(ctx context.Context, s billing.Scope, p app.CustomerParams) (billing.Customer, error)
	CreateSetup(ctx context.Context, s billing.Scope, customerID string, p app.CreateSetupParams) (billing.PaymentMethodSetup, string, error)
	DeleteCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error)
	GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error)
	GetSetup(ctx context.Context, s billing.Scope, id string) (billing.PaymentMethodSetup, error)
	ListBalanceTransactions(ctx context.Context, s billing.Scope, customerID string, page billing.Page) (app.List[billing.BalanceTransaction], error)
	ListCustomers(ctx context.Context, s billing.Scope, f billing.CustomerFilter, page billing.Page) (app.List[billing.Customer], error)
	ListPaymentMethods(ctx context.Context, s billing.Scope, customerID string) ([]billing.PaymentMethod, error)
	UpdateCustomer(ctx context.Context, s billing.Scope, id string, p app.CustomerParams) (billing.Customer, error)
}

// InvoicingUseCases is what the REST API calls of app.Invoicing.
type InvoicingUseCases interface {
	CreateInvoice(ctx context.Context, s billing.Scope, p app.CreateInvoiceParams) (billing.Invoice, error)
	FinalizeInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
	GetInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
	InvoicePDF(ctx context.Context, s billing.Scope, id string) ([]byte, billing.Invoice, string, error)
	IssueTaxDocument(ctx context.Context, s billing.Scope, invoiceID string) (billing.TaxDocument, error)
	TaxDocumentFile(ctx context.Context, s billing.Scope, invoiceID string, format app.DTEFormat) ([]byte, error)
	CreditNoteTaxDocumentFile(ctx context.Context, s billing.Scope, noteID string, format app.DTEFormat) ([]byte, error)
	ListInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter, page billing.Page) (app.List[billing.Invoice], error)
}

// MerchantsUseCases is what the REST API calls of app.Merchants.
type MerchantsUseCases interface {
	AbandonIdempotent(ctx context.Context, s billing.Scope, key string) error
	AuthenticateRequest(ctx context.Context, secret string) (context.Context, billing.APIKey, error)
	CheckRequestKey(ctx context.Context) error
	BeginIdempotent(ctx context.Context, s billing.Scope, key, requestHash string, alsoMatches ...string) (*billing.IdempotencyRecord, error)
	DeleteGatewayConfig(ctx context.Context, s billing.Scope, gateway string) error
	FinishIdempotent(ctx context.Context, s billing.Scope, key string, status int, body []byte) error
	DeleteMerchantLogo(ctx context.Context, merchantID string) (billing.Merchant, error)
	GetMerchant(ctx context.Context, id string) (billing.Merchant, error)
	LogoURL(m billing.Merchant) string
	SetMerchantLogo(ctx context.Context, merchantID string, data []byte) (billing.Merchant, error)
	ListAuditEntries(ctx context.Context, s billing.Scope, afterSeq int64, limit int) (app.List[billing.AuditEntry], error)
	GetDTESettings(ctx context.Context, s billing.Scope) (app.DTESettingsView, error)
	SetDTESettings(ctx context.Context, s billing.Scope, p app.DTESettingsParams) (app.DTESettingsView, error)
	ListGatewayConfigs(ctx context.Context, s billing.Scope) ([]app.GatewayConfigView, error)
	SetGatewayConfig(ctx context.Context, s billing.Scope, gateway string, c billing.GatewayCredentials) (app.GatewayConfigView, error)
	UpdateMerchant(ctx context.Context, merchantID string, p app.UpdateMerchantParams) (billing.Merchant, error)
}

// NotificationsUseCases is what the REST API calls of app.Notifications.
type NotificationsUseCases interface {
	CreateWebhookEndpoint(ctx context.Context, s billing.Scope, p app.WebhookEndpointParams) (billing.WebhookEndpoint, string, error)
	DeleteWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error)
	GetEmail(ctx context.Context, s billing.Scope, id string) (billing.Email, error)
	GetEvent(ctx context.Context, s billing.Scope, id string) (billing.Event, error)
	GetWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error)
	ListEmails(ctx context.Context, s billing.Scope, f billing.EmailFilter, page billing.Page) (app.List[billing.Email], error)
	ListEvents(ctx context.Context, s billing.Scope, f billing.EventFilter, page billing.Page) (app.List[billing.Event], error)
	ListWebhookDeliveries(ctx context.Context, s billing.Scope, endpointID string, f billing.DeliveryFilter, page billing.Page) (app.List[app.DeliveryView], error)
	ListWebhookEndpoints(ctx context.Context, s billing.Scope, page billing.Page) (app.List[billing.WebhookEndpoint], error)
	RedeliverWebhook(ctx context.Context, s billing.Scope, endpointID, deliveryID string) (app.DeliveryView, error)
	RotateWebhookSecret(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, string, error)
	UpdateWebhookEndpoint(ctx context.Context, s billing.Scope, id string, p app.WebhookEndpointParams) (billing.WebhookEndpoint, error)
}

// PortalUseCases is what the REST API calls of app.Portal.
type PortalUseCases interface {
	CreatePortalSession(ctx context.Context, s billing.Scope, customerID, returnURL string) (billing.PortalSession, string, error)
}

// RenewalsUseCases is what the REST API calls of app.Renewals.
type RenewalsUseCases interface {
	AdvanceTestClock(ctx context.Context, s billing.Scope, id string, t time.Time) (billing.TestClock, error)
	CreateTestClock(ctx context.Context, s billing.Scope, name string, t time.Time) (billing.TestClock, error)
	GetTestClock(ctx context.Context, s billing.Scope, id string) (billing.TestClock, error)
	ListTestClocks(ctx context.Context, s billing.Scope, page billing.Page) (app.List[billing.TestClock], error)
}

// SubscriptionsUseCases is what the REST API calls of app.Subscriptions.
type SubscriptionsUseCases interface {
	CancelPendingUpdate(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
	CancelSubscription(ctx context.Context, s billing.Scope, id string, p app.CancelParams) (billing.Subscription, error)
	ChangeSubscription(ctx context.Context, s billing.Scope, id string, p app.ChangeParams) (billing.Subscription, error)
	CreateSubscription(ctx context.Context, s billing.Scope, p app.CreateSubscriptionParams) (billing.Subscription, error)
	Entitlements(ctx context.Context, s billing.Scope, customerID string) (map[string]int64, error)
	GetSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
	ListSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter, page billing.Page) (app.List[billing.Subscription], error)
	PauseSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
	PreviewChange(ctx context.Context, s billing.Scope, id string, p app.ChangeParams) (app.ChangePreview, error)
	ReactivateSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
	ResumeSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
}
