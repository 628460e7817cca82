package console

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// UseCases are the parts of app the console calls: one interface per area
// of app.App, listing only the methods used here. The fields of an
// *app.App fill it (internal/wiring). The console's actions call the same
// use cases as the API; only the audit log's actor differs (the user).
type UseCases struct {
	Alerts        AlertsUseCases
	Analytics     AnalyticsUseCases
	Catalog       CatalogUseCases
	Collection    CollectionUseCases
	Customers     CustomersUseCases
	Exports       ExportsUseCases
	Invoicing     InvoicingUseCases
	Merchants     MerchantsUseCases
	Notifications NotificationsUseCases
	Portal        PortalUseCases
	Subscriptions SubscriptionsUseCases
	Users         UsersUseCases
}

// AlertsUseCases is what the console calls of app.Alerts.
type AlertsUseCases interface {
	AcknowledgeAlert(ctx context.Context, s billing.Scope, id string) (billing.Alert, error)
	ListAlerts(ctx context.Context, s billing.Scope, f billing.AlertFilter, page billing.Page) (app.List[billing.Alert], error)
}

// ExportsUseCases is what the console calls of app.Exports: the CSV
// files the API's /v1/exports serve, streamed the same way.
type ExportsUseCases interface {
	ExportCustomerSearch(ctx context.Context, s billing.Scope, query string) (app.Export, error)
	ExportInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter) (app.Export, error)
	ExportPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter) (app.Export, error)
	ExportSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter) (app.Export, error)
}

// PortalUseCases is what the console calls of app.Portal.
type PortalUseCases interface {
	CreatePortalSession(ctx context.Context, s billing.Scope, customerID, returnURL string) (billing.PortalSession, string, error)
}

// AnalyticsUseCases is what the console calls of app.Analytics.
type AnalyticsUseCases interface {
	Overview(ctx context.Context, s billing.Scope, p app.OverviewParams) (app.Overview, error)
}

// CatalogUseCases is what the console calls of app.Catalog.
type CatalogUseCases interface {
	ListPrices(ctx context.Context, s billing.Scope, f billing.PriceFilter, page billing.Page) (app.List[billing.Price], error)
	// The catalog's pages (catalog.go, coupons.go).
	CreateProduct(ctx context.Context, s billing.Scope, p app.ProductParams) (billing.Product, error)
	GetProduct(ctx context.Context, s billing.Scope, id string) (billing.Product, error)
	UpdateProduct(ctx context.Context, s billing.Scope, id string, p app.ProductParams) (billing.Product, error)
	ListProducts(ctx context.Context, s billing.Scope, f billing.ProductFilter, page billing.Page) (app.List[billing.Product], error)
	CreatePrice(ctx context.Context, s billing.Scope, p app.CreatePriceParams) (billing.Price, error)
	GetPrice(ctx context.Context, s billing.Scope, id string) (billing.Price, error)
	UpdatePrice(ctx context.Context, s billing.Scope, id string, p app.UpdatePriceParams) (billing.Price, error)
	CreateCoupon(ctx context.Context, s billing.Scope, p app.CreateCouponParams) (billing.Coupon, error)
	GetCoupon(ctx context.Context, s billing.Scope, id string) (billing.Coupon, error)
	UpdateCoupon(ctx context.Context, s billing.Scope, id string, p app.UpdateCouponParams) (billing.Coupon, error)
	ListCoupons(ctx context.Context, s billing.Scope, page billing.Page) (app.List[billing.Coupon], error)
	CreatePromotionCode(ctx context.Context, s billing.Scope, p app.CreatePromotionCodeParams) (billing.PromotionCode, error)
	UpdatePromotionCode(ctx context.Context, s billing.Scope, id string, p app.UpdatePromotionCodeParams) (billing.PromotionCode, error)
	ListPromotionCodes(ctx context.Context, s billing.Scope, f billing.PromotionCodeFilter, page billing.Page) (app.List[billing.PromotionCode], error)
}

// CollectionUseCases is what the console calls of app.Collection.
type CollectionUseCases interface {
	ListPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter, page billing.Page) (app.List[billing.Payment], error)
	// The money area's (area_money.go).
	CreateCreditNote(ctx context.Context, s billing.Scope, p app.CreditNoteParams) (billing.CreditNote, error)
	CreditNotePDF(ctx context.Context, s billing.Scope, id string) ([]byte, string, error)
	GetPayment(ctx context.Context, s billing.Scope, id string) (billing.Payment, error)
	GetRefund(ctx context.Context, s billing.Scope, id string) (billing.Refund, error)
	GetPayments(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Payment, error)
	GetRefunds(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Refund, error)
	ListCreditNotes(ctx context.Context, s billing.Scope, f billing.CreditNoteFilter, page billing.Page) (app.List[billing.CreditNote], error)
	ListRefunds(ctx context.Context, s billing.Scope, paymentID string, page billing.Page) (app.List[billing.Refund], error)
	MarkUncollectible(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
	PayInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
	VoidInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
}

// CustomersUseCases is what the console calls of app.Customers.
type CustomersUseCases interface {
	GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error)
	GetCustomers(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Customer, error)
	ListPaymentMethods(ctx context.Context, s billing.Scope, customerID string) ([]billing.PaymentMethod, error)
	SearchCustomers(ctx context.Context, s billing.Scope, query string, page billing.Page) (app.List[billing.Customer], error)
}

// InvoicingUseCases is what the console calls of app.Invoicing.
type InvoicingUseCases interface {
	ListInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter, page billing.Page) (app.List[billing.Invoice], error)
	// The money area's (area_money.go).
	CreditNoteTaxDocuments(ctx context.Context, s billing.Scope, invoiceID string) ([]billing.TaxDocument, error)
	GetInvoice(ctx context.Context, s billing.Scope, id string) (billing.Invoice, error)
	GetInvoiceRefundLeft(ctx context.Context, s billing.Scope, id string) (billing.Invoice, int64, error)
	GetInvoices(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Invoice, error)
	InvoicePDF(ctx context.Context, s billing.Scope, id string) ([]byte, billing.Invoice, string, error)
	TaxDocumentFile(ctx context.Context, s billing.Scope, invoiceID string, format app.DTEFormat) ([]byte, error)
}

// MerchantsUseCases is what the console calls of app.Merchants.
type MerchantsUseCases interface {
	CreateAPIKey(ctx context.Context, merchantID string, mode billing.Mode) (billing.APIKey, string, error)
	ListAPIKeys(ctx context.Context, merchantID string) ([]billing.APIKey, error)
	ListObjectsAudit(ctx context.Context, s billing.Scope, objectIDs []string, limit int) ([]billing.AuditEntry, error)
	RevokeAPIKey(ctx context.Context, keyID string) (billing.APIKey, error)
	// The settings' pages (merchant.go).
	UpdateMerchant(ctx context.Context, merchantID string, p app.UpdateMerchantParams) (billing.Merchant, error)
	ListGatewayConfigs(ctx context.Context, s billing.Scope) ([]app.GatewayConfigView, error)
	SetGatewayConfig(ctx context.Context, s billing.Scope, gateway string, c billing.GatewayCredentials) (app.GatewayConfigView, error)
	DeleteGatewayConfig(ctx context.Context, s billing.Scope, gateway string) error
	GetDTESettings(ctx context.Context, s billing.Scope) (app.DTESettingsView, error)
	SetDTESettings(ctx context.Context, s billing.Scope, p app.DTESettingsParams) (app.DTESettingsView, error)
}

// NotificationsUseCases is what the console calls of app.Notifications.
type NotificationsUseCases interface {
	ListObjectsEvents(ctx context.Context, s billing.Scope, objectIDs []string, limit int) ([]billing.Event, error)
	// The webhooks' and emails' pages (webhooks.go, emails.go).
	CreateWebhookEndpoint(ctx context.Context, s billing.Scope, p app.WebhookEndpointParams) (billing.WebhookEndpoint, string, error)
	GetWebhookEndpoint(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, error)
	ListWebhookEndpoints(ctx context.Context, s billing.Scope, page billing.Page) (app.List[billing.WebhookEndpoint], error)
	UpdateWebhookEndpoint(ctx context.Context, s billing.Scope, id string, p app.WebhookEndpointParams) (billing.WebhookEndpoint, error)
	RotateWebhookSecret(ctx context.Context, s billing.Scope, id string) (billing.WebhookEndpoint, string, error)
	ListWebhookDeliveries(ctx context.Context, s billing.Scope, endpointID string, f billing.DeliveryFilter, page billing.Page) (app.List[app.DeliveryView], error)
	RedeliverWebhook(ctx context.Context, s billing.Scope, endpointID, deliveryID string) (app.DeliveryView, error)
	GetEmail(ctx context.Context, s billing.Scope, id string) (billing.Email, error)
	ListEmails(ctx context.Context, s billing.Scope, f billing.EmailFilter, page billing.Page) (app.List[billing.Email], error)
}

// SubscriptionsUseCases is what the console calls of app.Subscriptions.
type SubscriptionsUseCases interface {
	CancelSubscription(ctx context.Context, s billing.Scope, id string, p app.CancelParams) (billing.Subscription, error)
	ListSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter, page billing.Page) (app.List[billing.Subscription], error)
	ChangeSubscription(ctx context.Context, s billing.Scope, id string, p app.ChangeParams) (billing.Subscription, error)
	Entitlements(ctx context.Context, s billing.Scope, customerID string) (map[string]int64, error)
	GetSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
	PauseSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
	PreviewChange(ctx context.Context, s billing.Scope, id string, p app.ChangeParams) (app.ChangePreview, error)
	ReactivateSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
	ResumeSubscription(ctx context.Context, s billing.Scope, id string) (billing.Subscription, error)
}

// UsersUseCases is what the console calls of app.Users.
type UsersUseCases interface {
	AcceptInvitation(ctx context.Context, token, password string) (app.SignedIn, error)
	ChangeUserRole(ctx context.Context, merchantID, userID string, role billing.Role) (billing.User, error)
	DisableTOTP(ctx context.Context, merchantID, userID string) (billing.User, error)
	EnableTOTP(ctx context.Context, merchantID, userID, secret, code string) (billing.User, []string, error)
	Invite(ctx context.Context, merchantID, email string, role billing.Role, invitedBy string) (billing.Invitation, string, error)
	ListInvitations(ctx context.Context, merchantID string) ([]billing.Invitation, error)
	ListUsers(ctx context.Context, merchantID string) ([]billing.User, error)
	NewTOTPSecret() string
	Now() time.Time
	OpenInvitation(ctx context.Context, token string) (app.InvitationView, error)
	// A forgotten password and recovery codes (reset.go, settings.go).
	OpenPasswordReset(ctx context.Context, token string) (billing.User, error)
	RecoveryCodesLeft(ctx context.Context, userID string) (int, error)
	RegenerateRecoveryCodes(ctx context.Context, merchantID, userID string) ([]string, error)
	RequestPasswordReset(ctx context.Context, email string) error
	ResetPassword(ctx context.Context, token, password string) (billing.User, error)
	RemoveUser(ctx context.Context, merchantID, userID string) error
	Session(ctx context.Context, token string) (app.ConsoleSession, error)
	SetSessionMode(ctx context.Context, sessionID string, mode billing.Mode) error
	SetUserLocale(ctx context.Context, merchantID, userID, locale string) (billing.User, error)
	SignIn(ctx context.Context, p app.SignInParams) (app.SignedIn, error)
	SignOut(ctx context.Context, token string) error
	SignOutEverywhere(ctx context.Context, merchantID, userID string) error
}
