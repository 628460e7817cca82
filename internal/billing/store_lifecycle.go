package billing

import (
	"context"
	"time"
)

// SubscriptionFilter narrows ListSubscriptions. Zero fields do not filter.
type SubscriptionFilter struct {
	CustomerID string
	Status     SubscriptionStatus
	PriceID    string
}

// InvoiceFilter narrows ListInvoices. Zero fields do not filter.
type InvoiceFilter struct {
	CustomerID     string
	SubscriptionID string
	Status         InvoiceStatus
}

// PaymentFilter narrows ListPayments. Zero fields do not filter.
type PaymentFilter struct {
	InvoiceID  string
	CustomerID string
	Status     PaymentStatus
}

// EventFilter narrows ListEvents. Zero fields do not filter.
type EventFilter struct {
	Type     string
	ObjectID string
}

// SetupTx stores payment method setups (a customer saving a method
// without paying).
type SetupTx interface {
	CreateSetup(ctx context.Context, st PaymentMethodSetup) error
	GetSetup(ctx context.Context, s Scope, id string) (PaymentMethodSetup, error)
	// GetSetupByID finds a setup in any scope (the hosted page knows only
	// the id and checks the secret).
	GetSetupByID(ctx context.Context, id string) (PaymentMethodSetup, error)
	// UpdateSetup writes status, payment method, failure message and
	// updated, only while the setup is pending; otherwise ErrNotFound.
	UpdateSetup(ctx context.Context, st PaymentMethodSetup) error
}

// ClockTx stores test clocks and the lease of the advance that moves one.
type ClockTx interface {
	CreateTestClock(ctx context.Context, c TestClock) error
	GetTestClock(ctx context.Context, s Scope, id string) (TestClock, error)
	// UpdateTestClock writes frozen time, status, updated and advance
	// target.
	UpdateTestClock(ctx context.Context, c TestClock) error
	ListTestClocks(ctx context.Context, s Scope, page Page) ([]TestClock, bool, error)
	// LeaseTestClock gives the advance named token the lease on an
	// advancing clock until `until`, if it holds it already or nobody does
	// (no lease, or one that ended before now); it reports whether the
	// advance holds it. Two transactions never both get it.
	LeaseTestClock(ctx context.Context, id, token string, until, now time.Time) (bool, error)
	// EndTestClockLease drops the clock's lease (its advance is over).
	EndTestClockLease(ctx context.Context, id string) error
	// AbandonedTestClocks returns up to limit clocks, of any scope, left
	// advancing with no lease or one that ended before now.
	AbandonedTestClocks(ctx context.Context, now time.Time, limit int) ([]TestClock, error)
}

// PaymentMethodTx stores customers' payment methods.
type PaymentMethodTx interface {
	CreatePaymentMethod(ctx context.Context, pm PaymentMethod) error
	GetPaymentMethod(ctx context.Context, s Scope, id string) (PaymentMethod, error)
	// UpdatePaymentMethod writes status and updated.
	UpdatePaymentMethod(ctx context.Context, pm PaymentMethod) error
	// ListPaymentMethods returns a customer's payment methods, newest first.
	ListPaymentMethods(ctx context.Context, s Scope, customerID string) ([]PaymentMethod, error)
}

// SubscriptionTx stores subscriptions and the trials they claimed.
type SubscriptionTx interface {
	// CreateSubscription inserts sub with Version 1.
	CreateSubscription(ctx context.Context, sub Subscription) error
	GetSubscription(ctx context.Context, s Scope, id string) (Subscription, error)
	// UpdateSubscription writes every mutable field of sub if the stored
	// version is still sub.Version, and stores Version+1. When another
	// transaction got there first it returns ErrVersionConflict.
	UpdateSubscription(ctx context.Context, sub Subscription) error
	ListSubscriptions(ctx context.Context, s Scope, f SubscriptionFilter, page Page) ([]Subscription, bool, error)
	// DueSubscriptions returns up to limit subscriptions whose NextActionAt
	// is at or before t and that live on test clock clockID ("" = real time,
	// across every merchant and mode), earliest NextActionAt first.
	DueSubscriptions(ctx context.Context, clockID string, t time.Time, limit int) ([]Subscription, error)

	// ClaimTrial records that identity (kind "email", "external_id" or
	// "fingerprint", and its value) used a trial with subscriptionID. A
	// second claim of the same identity in the scope is *ErrUniqueViolation
	// "trial_redemptions_pkey".
	ClaimTrial(ctx context.Context, s Scope, kind, value, subscriptionID string) error
	// ReleaseTrials forgets the trial claims of a subscription.
	ReleaseTrials(ctx context.Context, s Scope, subscriptionID string) error
}

// InvoiceTx stores invoices and each scope's invoice number sequence.
type InvoiceTx interface {
	// NextInvoiceNumber returns the next number of the scope's gapless
	// invoice sequence (1, 2, 3…). It is taken inside the finalizing
	// transaction, so a rollback gives the number back.
	NextInvoiceNumber(ctx context.Context, s Scope) (int64, error)
	// CreateInvoice inserts inv. A second subscription_create or
	// subscription_cycle invoice for the same (subscription, period start)
	// is *ErrUniqueViolation "invoices_subscription_period_key".
	CreateInvoice(ctx context.Context, inv Invoice) error
	GetInvoice(ctx context.Context, s Scope, id string) (Invoice, error)
	// GetInvoices returns the invoices of ids found in scope s, by id, in
	// one read (the invoices a page of payments names).
	GetInvoices(ctx context.Context, s Scope, ids []string) (map[string]Invoice, error)
	// UpdateInvoice writes every mutable field (number, status, lines,
	// amounts, attempts, times).
	UpdateInvoice(ctx context.Context, inv Invoice) error
	ListInvoices(ctx context.Context, s Scope, f InvoiceFilter, page Page) ([]Invoice, bool, error)
}

// PaymentTx stores payment attempts and refunds.
type PaymentTx interface {
	// CreatePayment inserts p; a duplicate idempotency key in the scope is
	// *ErrUniqueViolation "payments_idempotency_key_key".
	CreatePayment(ctx context.Context, p Payment) error
	GetPayment(ctx context.Context, s Scope, id string) (Payment, error)
	// GetPayments returns the payments of ids found in scope s, by id, in
	// one read (the payments a page of refunds or alerts names).
	GetPayments(ctx context.Context, s Scope, ids []string) (map[string]Payment, error)
	// UpdatePayment writes gateway ref, status, failure fields, amount
	// refunded and updated.
	UpdatePayment(ctx context.Context, p Payment) error
	ListPayments(ctx context.Context, s Scope, f PaymentFilter, page Page) ([]Payment, bool, error)

	CreateRefund(ctx context.Context, r Refund) error
	GetRefund(ctx context.Context, s Scope, id string) (Refund, error)
	// GetRefunds returns the refunds of ids found in scope s, by id, in
	// one read (the refunds a page of alerts names).
	GetRefunds(ctx context.Context, s Scope, ids []string) (map[string]Refund, error)
	// UpdateRefund writes status, gateway ref and updated.
	UpdateRefund(ctx context.Context, r Refund) error
	// ListRefunds lists refunds, of one payment when paymentID is not empty.
	ListRefunds(ctx context.Context, s Scope, paymentID string, page Page) ([]Refund, bool, error)
}

// EventTx stores the events of the API (what webhooks and emails report).
type EventTx interface {
	// CreateEvent appends e. Its id is new, so the insert cannot fail in a
	// way a caller recovers from: a failure may end the transaction (the
	// PostgreSQL store spares it the savepoint every other write has).
	CreateEvent(ctx context.Context, e Event) error
	GetEvent(ctx context.Context, s Scope, id string) (Event, error)
	ListEvents(ctx context.Context, s Scope, f EventFilter, page Page) ([]Event, bool, error)
	// ListObjectsEvents returns the newest limit events of any of
	// objectIDs, newest first, in one read (a customer's timeline).
	ListObjectsEvents(ctx context.Context, s Scope, objectIDs []string, limit int) ([]Event, error)
}

// ErrExhausted is returned by RedeemCoupon and RedeemPromotionCode when no
// redemption is left.
var ErrExhausted = errExhausted{}

type errExhausted struct{}

func (errExhausted) Error() string { return "no redemptions left" }

// ErrVersionConflict is returned by UpdateSubscription when the row changed
// since it was read: another process handled it first.
var ErrVersionConflict = errVersionConflict{}

type errVersionConflict struct{}

func (errVersionConflict) Error() string {
	return "version conflict: the row changed since it was read"
}

// WriteBatch is many new and changed rows written at once by the batched
// renewal pipeline (docs/architecture.md, "Scale"). The store writes them
// in this order — invoices, payments, invoice updates, payment updates,
// events, audit entries — with one statement per kind of row where the
// database allows (Postgres), so a chunk of hundreds of renewals costs a
// handful of round trips. Subscriptions are written apart
// (BatchTx.UpdateSubscriptions): their writes are version-checked.
type WriteBatch struct {
	Invoices       []Invoice
	Payments       []Payment
	InvoiceUpdates []Invoice
	PaymentUpdates []Payment
	Events         []Event
	// Audit entries are appended unsealed (Seq 0), for the sealer to chain
	// after the commit; no head moves.
	Audit []AuditEntry
}

// ClaimChange is what BatchTx.UpdateSubscriptions does to the sweep claims
// of the rows it writes, in the same statement: a sweep claims what it
// renews in the write that renews it, and releases it in the write that
// settles it, instead of writing each row twice more.
type ClaimChange struct {
	// Token, when not empty, claims the rows for it until Until.
	Token string
	Until time.Time
	// Release, when not empty, ends the rows' claims made under it (a
	// claim another sweeper holds is left alone).
	Release string
}

// BatchTx is the storage of the batched renewal pipeline: claims on due
// subscriptions and the reads and writes of a whole chunk at once, across
// the areas it touches.
type BatchTx interface {
	// ClaimDueSubscriptions is DueSubscriptions that also claims the rows
	// for token until `until`, leaving out rows another claim holds at t
	// and rows another transaction is claiming (Postgres FOR UPDATE SKIP
	// LOCKED). The claim outlives the transaction, so a sweeper keeps a
	// subscription while it calls the gateway and settles outside it, and
	// concurrent sweepers never take the same subscription.
	ClaimDueSubscriptions(ctx context.Context, clockID string, t time.Time, limit int, token string, until time.Time) ([]Subscription, error)
	// LockDueSubscriptions returns up to limit subscriptions due at t that
	// no claim holds, oldest due first, locked until the transaction ends
	// (Postgres: FOR UPDATE SKIP LOCKED, passing over rows another
	// transaction holds; SQLite: its write lock). It claims nothing: the
	// caller claims, in the same transaction, what it keeps
	// (ClaimSubscriptions, or UpdateSubscriptions with a ClaimChange).
	LockDueSubscriptions(ctx context.Context, clockID string, t time.Time, limit int) ([]Subscription, error)
	// ClaimSubscriptions claims the given subscriptions for token until
	// `until`, as ClaimDueSubscriptions does.
	ClaimSubscriptions(ctx context.Context, ids []string, token string, until time.Time) error
	// ExtendSubscriptionClaims moves the end of the claims made under
	// token to until (the claimer's heartbeat).
	ExtendSubscriptionClaims(ctx context.Context, token string, until time.Time) error
	// ReleaseSubscriptionClaims ends the claims made under token.
	ReleaseSubscriptionClaims(ctx context.Context, token string) error
	// UpdateSubscriptions writes each subscription whose stored version is
	// still its Version, as UpdateSubscription does, and changes its claim
	// as c says. It returns the ids of the others (changed since they were
	// read, or gone), which it leaves alone, in the order given.
	UpdateSubscriptions(ctx context.Context, subs []Subscription, c ClaimChange) (stale []string, err error)
	// SubscriptionsWithOpenInvoices returns which of the given
	// subscriptions have an open invoice.
	SubscriptionsWithOpenInvoices(ctx context.Context, ids []string) (map[string]bool, error)
	// GetPaymentMethods returns the payment methods with the given ids in
	// scope s, by id (missing ids and other scopes' methods are absent).
	GetPaymentMethods(ctx context.Context, s Scope, ids []string) (map[string]PaymentMethod, error)
	// TaxExemptCustomers returns which of the given customers are tax
	// exempt (the batched renewals' one read of the flag).
	TaxExemptCustomers(ctx context.Context, ids []string) (map[string]bool, error)
	// ReserveInvoiceNumbers takes the next k numbers of the scope's
	// gapless sequence and returns the last one (the first is last−k+1).
	// The counter row stays locked until the transaction ends: take it as
	// late in the transaction as possible.
	ReserveInvoiceNumbers(ctx context.Context, s Scope, k int64) (int64, error)
	// WriteBatch writes b. Any failure fails the whole batch: the caller
	// rolls back.
	WriteBatch(ctx context.Context, b WriteBatch) error
}
