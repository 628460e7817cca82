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
	Analytics     AnalyticsUseCases
	Catalog       CatalogUseCases
	Collection    CollectionUseCases
	Customers     CustomersUseCases
	Invoicing     InvoicingUseCases
	Merchants     MerchantsUseCases
	Notifications NotificationsUseCases
	Subscriptions SubscriptionsUseCases
	Users         UsersUseCases
}

// AnalyticsUseCases is what the console calls of app.Analytics.
type AnalyticsUseCases interface {
	Overview(ctx context.Context, s billing.Scope, p app.OverviewParams) (app.Overview, error)
}

// CatalogUseCases is what the console calls of app.Catalog.
type CatalogUseCases interface {
	ListPrices(ctx context.Context, s billing.Scope, f billing.PriceFilter, page billing.Page) (app.List[billing.Price], error)
}

// CollectionUseCases is what the console calls of app.Collection.
type CollectionUseCases interface {
	ListPayments(ctx context.Context, s billing.Scope, f billing.PaymentFilter, page billing.Page) (app.List[billing.Payment], error)
}

// CustomersUseCases is what the console calls of app.Customers.
type CustomersUseCases interface {
	GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error)
	ListPaymentMethods(ctx context.Context, s billing.Scope, customerID string) ([]billing.PaymentMethod, error)
	SearchCustomers(ctx context.Context, s billing.Scope, query string, page billing.Page) (app.List[billing.Customer], error)
}

// InvoicingUseCases is what the console calls of app.Invoicing.
type InvoicingUseCases interface {
	ListInvoices(ctx context.Context, s billing.Scope, f billing.InvoiceFilter, page billing.Page) (app.List[billing.Invoice], error)
}

// MerchantsUseCases is what the console calls of app.Merchants.
type MerchantsUseCases interface {
	CreateAPIKey(ctx context.Context, merchantID string, mode billing.Mode) (billing.APIKey, string, error)
	ListAPIKeys(ctx context.Context, merchantID string) ([]billing.APIKey, error)
	RevokeAPIKey(ctx context.Context, keyID string) (billing.APIKey, error)
}

// NotificationsUseCases is what the console calls of app.Notifications.
type NotificationsUseCases interface {
	ListEvents(ctx context.Context, s billing.Scope, f billing.EventFilter, page billing.Page) (app.List[billing.Event], error)
}

// SubscriptionsUseCases is what the console calls of app.Subscriptions.
type SubscriptionsUseCases interface {
	CancelSubscription(ctx context.Context, s billing.Scope, id string, p app.CancelParams) (billing.Subscription, error)
	ListSubscriptions(ctx context.Context, s billing.Scope, f billing.SubscriptionFilter, page billing.Page) (app.List[billing.Subscription], error)
}

// UsersUseCases is what the console calls of app.Users.
type UsersUseCases interface {
	AcceptInvitation(ctx context.Context, token, password string) (app.SignedIn, error)
	ChangeUserRole(ctx context.Context, merchantID, userID string, role billing.Role) (billing.User, error)
	DisableTOTP(ctx context.Context, merchantID, userID string) (billing.User, error)
	EnableTOTP(ctx context.Context, merchantID, userID, secret, code string) (billing.User, error)
	Invite(ctx context.Context, merchantID, email string, role billing.Role, invitedBy string) (billing.Invitation, string, error)
	ListInvitations(ctx context.Context, merchantID string) ([]billing.Invitation, error)
	ListUsers(ctx context.Context, merchantID string) ([]billing.User, error)
	NewTOTPSecret() string
	Now() time.Time
	OpenInvitation(ctx context.Context, token string) (app.InvitationView, error)
	RemoveUser(ctx context.Context, merchantID, userID string) error
	Session(ctx context.Context, token string) (app.ConsoleSession, error)
	SetSessionMode(ctx context.Context, sessionID string, mode billing.Mode) error
	SetUserLocale(ctx context.Context, merchantID, userID, locale string) (billing.User, error)
	SignIn(ctx context.Context, p app.SignInParams) (app.SignedIn, error)
	SignOut(ctx context.Context, token string) error
	SignOutEverywhere(ctx context.Context, merchantID, userID string) error
}
