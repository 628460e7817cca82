package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// Config is everything an App is built from. Nothing is configured after
// New: a process that needs other settings builds another App.
type Config struct {
	// Store holds every object; required.
	Store billing.Store
	// Now is the clock (time.Now when nil). Every time it returns is
	// truncated to microseconds, the precision both stores keep.
	Now func() time.Time
	// Logger receives internal errors and notable events (discarded when nil).
	Logger *slog.Logger
	// Gateways are the payment gateways by name (billing.GatewaySim, …).
	Gateways Gateways
	// Ports are the adapters: invoice PDFs, email templates, webhooks.
	Ports Ports
	// Sealer seals secrets at rest (CUOTA_SECRET_KEY). Without one, or with
	// one without a key, live-mode gateway configuration is refused and
	// test-mode credentials are kept as given.
	Sealer Sealer
	// Mailer says how emails are sent. Its zero value records every email
	// without sending it.
	Mailer Mailer
	// PublicURL returns the address customers' browsers and gateways reach
	// cuota at (for hosted pages), e.g. https://billing.example.cl. It is a
	// function because a server learns its own address only once it listens.
	PublicURL func() string
	// Webhooks tune webhook delivery; the zero value is production's.
	Webhooks WebhookOptions
	// AuditKey seals the audit chain and signs its checkpoints with
	// HMAC-SHA256 (cmd/cuota derives it from CUOTA_SECRET_KEY). Without one
	// the chain is sealed unkeyed (plain SHA-256), which catches naive
	// edits only; `cuota audit verify` says so.
	AuditKey billing.AuditKey
	// TestClockLease is how long an advance's lease on its clock lasts unless
	// renewed (DefaultTestClockLease when <= 0). Tests shorten it.
	TestClockLease time.Duration
}

// core is what every area shares: the store, the clock, the adapters and the
// bookkeeping every write does (audit entries, events, subscription saves).
// Each area embeds it; it holds no use case of its own.
type core struct {
	store     billing.Store
	now       func() time.Time
	logger    *slog.Logger
	gateways  Gateways
	publicURL func() string
	gw        gatewayDeps // gateway configuration (gatewaycfg.go)
	notify    notifyDeps  // webhooks and email (notify.go)
	clocks    clockDeps   // test clock leases and resumed advances (clocks.go)
	ports     Ports       // the adapters (ports.go)
	auditKey  billing.AuditKey
	keys      keyCache // valid API keys by hash (apikeys.go)
}

// LogoURL is the public address of m's logo, "" when it has none.
func (a *core) LogoURL(m billing.Merchant) string {
	if m.Profile.Logo == nil {
		return ""
	}
	return a.PublicURL() + LogoPath(m.Profile.Logo)
}

// PublicURL is the address customers' browsers and gateways reach cuota at
// ("" before it is known).
func (a *core) PublicURL() string {
	if a.publicURL == nil {
		return ""
	}
	return a.publicURL()
}

// App is cuota's use cases, one field per area. Each area is a type of its
// own with the few other areas it calls; transports declare the small
// interfaces they need and are handed the area that implements them.
type App struct {
	// Catalog: products, prices, coupons and promotion codes.
	Catalog *Catalog
	// Merchants: merchant accounts and settings, gateway credentials,
	// idempotency records and the audit log.
	Merchants *Merchants
	// Customers: customers, their payment methods and payment-method
	// setups.
	Customers *Customers
	// Subscriptions: creating, changing, pausing and cancelling
	// subscriptions, and the entitlements they grant.
	Subscriptions *Subscriptions
	// Renewals: moving subscriptions through their periods (the sweep, one
	// subscription's step) and test clocks.
	Renewals *Renewals
	// Collection: charging invoices, payments, dunning, refunds,
	// reconciliation and the gateways' asynchronous outcomes.
	Collection *Collection
	// Invoicing: drafting, pricing, finalizing and reading invoices,
	// one-off invoices and their PDFs.
	Invoicing *Invoicing
	// Checkout: hosted checkout sessions, pricing tables and publishable
	// keys.
	Checkout *Checkout
	// PayPages: hosted invoice pages and gateway pay pages.
	PayPages *PayPages
	// Portal: the customer portal.
	Portal *Portal
	// Notifications: events, webhook endpoints and deliveries, and emails.
	Notifications *Notifications
	// Analytics: MRR, its movements and the period's figures.
	Analytics *Analytics
	// Users: the console's users, invitations, sign-in and sessions.
	Users *Users
	// Alerts: the merchant's alerts and their periodic check.
	Alerts *Alerts
	// Exports: the CSV exports of customers, subscriptions, invoices and
	// payments.
	Exports *Exports

	core *core
}

// Catalog is the catalog's use cases.
type Catalog struct{ *core }

// Merchants is the use cases of merchant accounts and their configuration.
type Merchants struct{ *core }

// Customers is the use cases of customers and payment-method setups.
type Customers struct {
	*core
	collection    *Collection
	merchants     *Merchants
	renewals      *Renewals
	subscriptions *Subscriptions
}

// Subscriptions is the use cases of a subscription's life.
type Subscriptions struct {
	*core
	collection *Collection
	customers  *Customers
	invoicing  *Invoicing
	merchants  *Merchants
	payPages   *PayPages
	renewals   *Renewals
}

// Renewals moves subscriptions through their periods.
type Renewals struct {
	*core
	collection *Collection
	invoicing  *Invoicing
}

// Collection is the use cases that charge and refund.
type Collection struct {
	*core
	customers     *Customers
	invoicing     *Invoicing
	notifications *Notifications
	payPages      *PayPages
	renewals      *Renewals
	subscriptions *Subscriptions
}

// Invoicing is the use cases that make invoices.
type Invoicing struct {
	*core
	collection    *Collection
	notifications *Notifications
	payPages      *PayPages
	subscriptions *Subscriptions
}

// Checkout is the hosted checkout's use cases.
type Checkout struct {
	*core
	customers     *Customers
	invoicing     *Invoicing
	merchants     *Merchants
	payPages      *PayPages
	portal        *Portal
	subscriptions *Subscriptions
}

// PayPages is the use cases of hosted invoice and pay pages.
type PayPages struct {
	*core
	collection *Collection
	invoicing  *Invoicing
	merchants  *Merchants
}

// Portal is the customer portal's use cases.
type Portal struct {
	*core
	checkout      *Checkout
	customers     *Customers
	invoicing     *Invoicing
	payPages      *PayPages
	renewals      *Renewals
	subscriptions *Subscriptions
}

// Notifications is the use cases of webhooks and emails.
type Notifications struct {
	*core
	invoicing *Invoicing
	merchants *Merchants
}

// Alerts is the use cases of the merchant's alerts (alerts.go,
// alerts_check.go). Raising and resolving are on core: every area raises
// where the fact happens.
type Alerts struct {
	*core
	merchants *Merchants
}

// Exports is the use cases of the CSV exports (exports.go).
type Exports struct{ *core }

// New builds an App from cfg. It fails only on a Mailer that cannot send.
func New(cfg Config) (*App, error) {
	email, err := cfg.Mailer.deps()
	if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	c := &core{store: cfg.Store, now: cfg.Now, logger: cfg.Logger, gateways: cfg.Gateways,
		publicURL: cfg.PublicURL, ports: cfg.Ports, gw: gatewayDeps{box: cfg.Sealer},
		notify: notifyDeps{webhooks: cfg.Webhooks, email: email}}
	c.clocks.lease = cfg.TestClockLease
	c.auditKey = cfg.AuditKey
	if c.now == nil {
		c.now = time.Now
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.gw.box == nil {
		c.gw.box = noSealer{}
	}
	c.store = checkedStore{Store: cfg.Store, core: c}
	a := &App{core: c, Catalog: new(Catalog), Merchants: new(Merchants), Customers: new(Customers),
		Subscriptions: new(Subscriptions), Renewals: new(Renewals), Collection: new(Collection),
		Invoicing: new(Invoicing), Checkout: new(Checkout), PayPages: new(PayPages), Portal: new(Portal),
		Notifications: new(Notifications), Analytics: new(Analytics), Users: new(Users), Alerts: new(Alerts),
		Exports: new(Exports)}
	a.wire()
	return a, nil
}

// wire fills each area: the shared core and the others it calls. The areas
// call one another both ways (a renewal charges; a charge's outcome moves
// the subscription), so they are linked after all exist.
func (a *App) wire() {
	*a.Catalog = Catalog{a.core}
	*a.Merchants = Merchants{a.core}
	*a.Customers = Customers{core: a.core, collection: a.Collection, merchants: a.Merchants, renewals: a.Renewals,
		subscriptions: a.Subscriptions}
	*a.Subscriptions = Subscriptions{core: a.core, collection: a.Collection, customers: a.Customers,
		invoicing: a.Invoicing, merchants: a.Merchants, payPages: a.PayPages, renewals: a.Renewals}
	*a.Renewals = Renewals{core: a.core, collection: a.Collection, invoicing: a.Invoicing}
	*a.Collection = Collection{core: a.core, customers: a.Customers, invoicing: a.Invoicing,
		notifications: a.Notifications, payPages: a.PayPages, renewals: a.Renewals, subscriptions: a.Subscriptions}
	*a.Invoicing = Invoicing{core: a.core, collection: a.Collection, notifications: a.Notifications,
		payPages: a.PayPages, subscriptions: a.Subscriptions}
	*a.Checkout = Checkout{core: a.core, customers: a.Customers, invoicing: a.Invoicing,
		merchants: a.Merchants, payPages: a.PayPages, portal: a.Portal, subscriptions: a.Subscriptions}
	*a.PayPages = PayPages{core: a.core, collection: a.Collection, invoicing: a.Invoicing, merchants: a.Merchants}
	*a.Portal = Portal{core: a.core, checkout: a.Checkout, customers: a.Customers, invoicing: a.Invoicing,
		payPages: a.PayPages, renewals: a.Renewals, subscriptions: a.Subscriptions}
	*a.Notifications = Notifications{core: a.core, invoicing: a.Invoicing, merchants: a.Merchants}
	*a.Analytics = Analytics{a.core}
	*a.Users = Users{core: a.core, merchants: a.Merchants, notifications: a.Notifications}
	*a.Alerts = Alerts{core: a.core, merchants: a.Merchants}
	*a.Exports = Exports{a.core}
}

// Now returns the current time at microsecond precision, in UTC.
func (a *App) Now() time.Time { return a.core.Now() }
