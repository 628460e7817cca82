package billing

import (
	"context"
	"time"
)

// Store is persistent storage. Every read and write happens inside InTx, so
// that a change, its audit entry and its follow-up jobs commit together.
// Implementations: internal/sqlite and internal/postgres; both must pass the
// conformance suite in internal/storetest.
type Store interface {
	// InTx runs fn in a transaction, committing if fn returns nil and rolling
	// back otherwise. fn must not retain tx.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Read runs fn, which only reads. fn sees, statement by statement,
	// what was committed when each statement began (as in InTx on
	// PostgreSQL, whose transactions are READ COMMITTED), so a store may
	// run it without a transaction to save the round trips of BEGIN and
	// COMMIT; PostgreSQL does, and refuses a write in fn. fn must not
	// retain tx.
	Read(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// MigrationsCurrent reports whether every migration has been applied.
	MigrationsCurrent(ctx context.Context) (bool, error)
	// Close releases the store's connections.
	Close() error
}

// Page asks for one page of a list. Lists are ordered newest first (by id,
// which sorts by creation time); StartingAfter is the id of the last object
// of the previous page.
type Page struct {
	Limit         int
	StartingAfter string
}

// ProductFilter narrows ListProducts. Zero fields do not filter.
type ProductFilter struct {
	Active *bool
}

// PriceFilter narrows ListPrices. Zero fields do not filter.
type PriceFilter struct {
	ProductID string
	LookupKey string
	Active    *bool
	Type      string
}

// CustomerFilter narrows ListCustomers. Zero fields do not filter.
type CustomerFilter struct {
	Email      string
	ExternalID string
}

// PromotionCodeFilter narrows ListPromotionCodes. Zero fields do not filter.
type PromotionCodeFilter struct {
	CouponID string
	Code     string
	Active   *bool
}

// Job is work enqueued in the same transaction as the change that causes it
// (River's job args satisfy it).
type Job interface {
	Kind() string
}

// Tx is one transaction of the store, seen through one narrow interface per
// area of the data. Every field is set by the store and every one of them
// works on the same transaction: a write through Invoices and one through
// Audit commit or roll back together. Callers pass Tx by value (it is a few
// interface values) and must not keep it after InTx's fn returns.
//
// The contract every area shares: getters return ErrNotFound when no row
// matches (including rows of another scope); inserts and updates return
// *ErrUniqueViolation when a unique constraint fails. List methods return
// at most page.Limit items and whether more exist, newest first by id.
//
// Tx is a struct of areas rather than one interface so that no type has
// more methods than a reader can hold in mind, and so that a function can
// ask for only the areas it uses (a gateway takes a GatewayTx, not a Tx).
type Tx struct {
	Merchants      MerchantTx      // merchants, their settings, API keys
	Catalog        CatalogTx       // products and prices
	TaxRates       TaxRateTx       // tax rates
	Customers      CustomerTx      // customers
	PaymentMethods PaymentMethodTx // customers' payment methods
	Coupons        CouponTx        // coupons, promotion codes, redemptions
	Setups         SetupTx         // payment method setups
	Clocks         ClockTx         // test clocks and their advance leases
	Subscriptions  SubscriptionTx  // subscriptions and trial claims
	Invoices       InvoiceTx       // invoices and invoice numbers
	Payments       PaymentTx       // payment attempts and refunds
	Events         EventTx         // API events
	Audit          AuditTx         // the audit chains
	Idempotency    IdempotencyTx   // API idempotency keys
	Jobs           JobTx           // background jobs enqueued with the change
	Batch          BatchTx         // the batched renewal sweep
	Checkout       CheckoutTx      // checkout and portal sessions, publishable keys
	Notify         NotifyTx        // webhooks, emails and the dispatch cursor
	Gateways       GatewayTx       // gateway configuration and references
	Analytics      AnalyticsTx     // MRR records and the reports' aggregates
	Credits        CreditTx        // credit notes and customer balances
	Console        ConsoleTx       // the console's users, sessions and invitations
	Alerts         AlertTx         // alerts and the reads of their periodic check
	DTE            DTETx           // Chilean electronic tax documents
	UF             UFTx            // UF values per day and the invoices waiting for them
}

// MerchantTx stores merchants, their settings and their API keys.
type MerchantTx interface {
	CreateMerchant(ctx context.Context, m Merchant) error
	GetMerchant(ctx context.Context, id string) (Merchant, error)
	ListMerchants(ctx context.Context) ([]Merchant, error)
	// UpdateMerchant writes a merchant's name, time zone, locale, invoice
	// prefix, settings and profile.
	UpdateMerchant(ctx context.Context, m Merchant) error
	// UpdateMerchantSettings replaces a merchant's settings.
	UpdateMerchantSettings(ctx context.Context, merchantID string, s MerchantSettings) error
	// PutMerchantLogo stores a merchant's logo, replacing the one it had.
	PutMerchantLogo(ctx context.Context, merchantID string, l Logo, at time.Time) error
	// DeleteMerchantLogo removes a merchant's logo; none is no error.
	DeleteMerchantLogo(ctx context.Context, merchantID string) error
	// GetLogo returns a stored logo by its content's SHA-256 (hex), of any
	// merchant: the same bytes are the same logo.
	GetLogo(ctx context.Context, sha256 string) (Logo, error)

	CreateAPIKey(ctx context.Context, k APIKey) error
	GetAPIKey(ctx context.Context, id string) (APIKey, error)
	GetAPIKeyByHash(ctx context.Context, hash string) (APIKey, error)
	// ListAPIKeys returns a merchant's keys of both modes, revoked ones
	// included, oldest first.
	ListAPIKeys(ctx context.Context, merchantID string) ([]APIKey, error)
	// TouchAPIKey sets LastUsed to at.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error
	// RevokeAPIKey sets Revoked to at unless it is already set.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
}

// CatalogTx stores what a merchant sells: products and their prices.
type CatalogTx interface {
	CreateProduct(ctx context.Context, p Product) error
	GetProduct(ctx context.Context, s Scope, id string) (Product, error)
	UpdateProduct(ctx context.Context, p Product) error
	ListProducts(ctx context.Context, s Scope, f ProductFilter, page Page) ([]Product, bool, error)

	CreatePrice(ctx context.Context, p Price) error
	GetPrice(ctx context.Context, s Scope, id string) (Price, error)
	// UpdatePrice writes the mutable fields: nickname, lookup key, trial
	// period days, active, tax rates, metadata, updated.
	UpdatePrice(ctx context.Context, p Price) error
	ListPrices(ctx context.Context, s Scope, f PriceFilter, page Page) ([]Price, bool, error)
}

// TaxRateTx stores tax rates.
type TaxRateTx interface {
	CreateTaxRate(ctx context.Context, r TaxRate) error
	GetTaxRate(ctx context.Context, s Scope, id string) (TaxRate, error)
	// UpdateTaxRate writes the mutable fields: display name, description,
	// country, active, metadata, updated (never percentage or inclusive).
	UpdateTaxRate(ctx context.Context, r TaxRate) error
	// ListTaxRates returns a page of the scope's rates, newest first;
	// active filters on Active when not nil.
	ListTaxRates(ctx context.Context, s Scope, active *bool, page Page) ([]TaxRate, bool, error)
}

// CustomerTx stores customers.
type CustomerTx interface {
	CreateCustomer(ctx context.Context, c Customer) error
	// GetCustomer returns a customer, deleted ones too (Deleted set): what
	// refers to one (invoices, payments) still needs its name and email.
	GetCustomer(ctx context.Context, s Scope, id string) (Customer, error)
	// GetCustomers returns the customers of ids found in scope s (deleted
	// ones too), by id, in one read: a page of rows that name customers
	// reads them at once. Ids not found are absent from the map.
	GetCustomers(ctx context.Context, s Scope, ids []string) (map[string]Customer, error)
	// UpdateCustomer writes the mutable fields of a customer that is not
	// deleted (ErrNotFound for a deleted one).
	UpdateCustomer(ctx context.Context, c Customer) error
	// DeleteCustomer marks a customer deleted at `at` (its updated time
	// too); ErrNotFound when there is none or it is already deleted.
	DeleteCustomer(ctx context.Context, s Scope, id string, at time.Time) error
	// ListCustomers lists the customers that are not deleted.
	ListCustomers(ctx context.Context, s Scope, f CustomerFilter, page Page) ([]Customer, bool, error)
	// SearchCustomers lists the customers that are not deleted whose
	// email or external id is query (ignoring case) or whose name
	// contains it (ignoring case).
	SearchCustomers(ctx context.Context, s Scope, query string, page Page) ([]Customer, bool, error)
	// SearchCustomersByPrefix lists the customers that are not deleted
	// whose email, external id, name or name's second word (what follows
	// its first space) starts with prefix (in lower case, not empty;
	// ignoring case), each through an index: the search of fewer than
	// three characters, too short to find inside names.
	SearchCustomersByPrefix(ctx context.Context, s Scope, prefix string, page Page) ([]Customer, bool, error)
}

// CouponTx stores coupons and promotion codes, and counts their
// redemptions.
type CouponTx interface {
	CreateCoupon(ctx context.Context, c Coupon) error
	GetCoupon(ctx context.Context, s Scope, id string) (Coupon, error)
	// UpdateCoupon writes the mutable fields: name, metadata, updated.
	UpdateCoupon(ctx context.Context, c Coupon) error
	ListCoupons(ctx context.Context, s Scope, page Page) ([]Coupon, bool, error)

	CreatePromotionCode(ctx context.Context, p PromotionCode) error
	GetPromotionCode(ctx context.Context, s Scope, id string) (PromotionCode, error)
	// UpdatePromotionCode writes the mutable fields: active, metadata, updated.
	UpdatePromotionCode(ctx context.Context, p PromotionCode) error
	ListPromotionCodes(ctx context.Context, s Scope, f PromotionCodeFilter, page Page) ([]PromotionCode, bool, error)

	// RedeemCoupon adds delta (1 or -1) to a coupon's redemptions. Taking
	// one past MaxRedemptions (or below zero) changes nothing and returns
	// ErrExhausted.
	RedeemCoupon(ctx context.Context, s Scope, id string, delta int64) error
	// RedeemPromotionCode is RedeemCoupon for a promotion code.
	RedeemPromotionCode(ctx context.Context, s Scope, id string, delta int64) error
}

// AuditTx stores each merchant's audit chain. Requests append entries
// unsealed, taking no lock; the sealer (app's SealAuditLog) chains them in
// commit order under the merchant's head and writes signed checkpoints.
type AuditTx interface {
	// LockAuditHead locks the merchant's audit chain until the transaction
	// ends and returns the sequence number and hash of its last sealed
	// entry (0 and "" for an empty chain). Concurrent sealers serialise
	// here; appenders of unsealed entries never take it.
	LockAuditHead(ctx context.Context, merchantID string) (seq int64, hash string, err error)
	// InsertAuditEntry appends e. With e.Seq 0 (the request path) e is
	// appended unsealed, with no lock and no head to move. With e.Seq > 0 e
	// is a sealed entry that must follow the locked head, and the head
	// moves to it. An unsealed entry's id is new, so its insert cannot fail
	// in a way a caller recovers from: a failure may end the transaction
	// (the PostgreSQL store spares it the savepoint every other write has).
	InsertAuditEntry(ctx context.Context, e AuditEntry) error
	// ListAuditEntries returns a merchant's sealed entries with Seq >
	// afterSeq in ascending Seq order, at most limit of them. With a mode,
	// only that mode's entries and the merchant's mode-less ones (mode "" =
	// all).
	ListAuditEntries(ctx context.Context, merchantID string, mode Mode, afterSeq int64, limit int) ([]AuditEntry, error)
	// ListObjectAuditEntries returns at most limit of scope s's entries
	// about the object with objectID, sealed or not, newest first.
	ListObjectAuditEntries(ctx context.Context, s Scope, objectID string, limit int) ([]AuditEntry, error)
	// ListObjectsAuditEntries returns the newest limit entries of any of
	// objectIDs, newest first, in one read (a customer's timeline).
	ListObjectsAuditEntries(ctx context.Context, s Scope, objectIDs []string, limit int) ([]AuditEntry, error)
	// PendingAuditMerchants lists the merchants with unsealed entries.
	PendingAuditMerchants(ctx context.Context) ([]string, error)
	// PendingAuditEntries returns up to limit of the merchant's unsealed
	// entries in commit order, read as the event dispatcher reads events
	// (NotifyTx.EventsAfter), below a horizon of running transactions: an
	// entry of a transaction that commits later than another's is never
	// returned before it, so sealing them in the order returned (batch after
	// batch) chains them in commit order.
	PendingAuditEntries(ctx context.Context, merchantID string, limit int) ([]AuditEntry, error)
	// CountPendingAuditEntries counts the merchant's unsealed entries
	// (those of running transactions are not visible).
	CountPendingAuditEntries(ctx context.Context, merchantID string) (int64, error)
	// SealAuditEntries writes the seals (Seq, PrevHash, Hash, Seal) of
	// entries, unsealed entries of one merchant that follow its locked
	// head in order, and moves the head to the last of them. An entry that
	// is already sealed fails the call.
	SealAuditEntries(ctx context.Context, entries []AuditEntry) error
	// InsertAuditCheckpoint stores c unless the merchant has a checkpoint
	// at c.Seq already.
	InsertAuditCheckpoint(ctx context.Context, c AuditCheckpoint) error
	// ListAuditCheckpoints returns a merchant's checkpoints by Seq.
	ListAuditCheckpoints(ctx context.Context, merchantID string) ([]AuditCheckpoint, error)
}

// IdempotencyTx stores the API's idempotency keys and their responses.
type IdempotencyTx interface {
	// ReserveIdempotencyKey inserts r (not completed). If the scope already
	// has the key it inserts nothing and returns the existing record and
	// false.
	ReserveIdempotencyKey(ctx context.Context, r IdempotencyRecord) (IdempotencyRecord, bool, error)
	// CompleteIdempotencyKey stores the response of a reserved key.
	CompleteIdempotencyKey(ctx context.Context, s Scope, key string, status int, body []byte) error
	// DeleteIdempotencyKey forgets a key (used when the request failed and
	// left nothing behind, or when the record expired).
	DeleteIdempotencyKey(ctx context.Context, s Scope, key string) error
	// DeleteIdempotencyKeysBefore forgets every key created before t and
	// returns how many it removed.
	DeleteIdempotencyKeysBefore(ctx context.Context, t time.Time) (int64, error)
}

// JobTx enqueues background jobs in the transaction.
type JobTx interface {
	// Enqueue inserts a job that becomes visible when the transaction commits.
	Enqueue(ctx context.Context, job Job) error
}
