package app

import (
	"context"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// Customer event types (Stripe's names). There is no customer.deleted:
// customers cannot be deleted.
const (
	EventCustomerCreated = "customer.created"
	EventCustomerUpdated = "customer.updated"
)

// CustomerParams are the fields of a customer; on update nil fields are
// left unchanged and Metadata is merged.
type CustomerParams struct {
	Email      *string
	Name       *string
	ExternalID *string
	Locale     *string
	TestClock  *string // create only: the test clock the customer lives on
	Metadata   billing.Metadata
}

func (v *validator) customer(p CustomerParams) {
	v.maxLen("email", deref(p.Email), 512)
	v.email("email", deref(p.Email))
	v.maxLen("name", deref(p.Name), maxNameLen)
	v.maxLen("external_id", deref(p.ExternalID), maxKeyLen)
	v.locale("locale", deref(p.Locale))
	v.metadata(p.Metadata)
}

// CreateCustomer creates a customer in scope s.
func (a *App) CreateCustomer(ctx context.Context, s billing.Scope, p CustomerParams) (billing.Customer, error) {
	var v validator
	v.customer(p)
	if err := v.err(); err != nil {
		return billing.Customer{}, err
	}
	now := a.Now()
	c := billing.Customer{
		ID:         billing.NewID(billing.PrefixCustomer, now),
		Scope:      s,
		Email:      deref(p.Email),
		Name:       deref(p.Name),
		ExternalID: deref(p.ExternalID),
		Locale:     deref(p.Locale),
		Metadata:   orEmpty(p.Metadata),
		Created:    now,
		Updated:    now,
	}
	c.TestClockID = deref(p.TestClock)
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if c.TestClockID != "" {
			if err := testModeOnly(s, "test clocks"); err != nil {
				return err
			}
			if _, err := tx.GetTestClock(ctx, s, c.TestClockID); err != nil {
				return referenced(err, "test_clock", c.TestClockID)
			}
		}
		if err := tx.CreateCustomer(ctx, c); err != nil {
			return conflict(fmt.Errorf("create customer: %w", err))
		}
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "customer.create", objectType: "customer", objectID: c.ID, after: c}); err != nil {
			return err
		}
		return a.emit(ctx, tx, s, EventCustomerCreated, "customer", c.ID, c, now)
	})
	return c, err
}

// GetCustomer returns a customer of scope s.
func (a *App) GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error) {
	return read(ctx, a, func(tx billing.Tx) (billing.Customer, error) {
		v, err := tx.GetCustomer(ctx, s, id)
		return v, notFound(err, "customer", id)
	})
}

// UpdateCustomer changes the given fields of a customer.
func (a *App) UpdateCustomer(ctx context.Context, s billing.Scope, id string, p CustomerParams) (billing.Customer, error) {
	var v validator
	if p.TestClock != nil {
		v.fail("test_clock", billing.CodeParameterInvalid, "test_clock is fixed when the customer is created")
	}
	v.customer(p)
	if err := v.err(); err != nil {
		return billing.Customer{}, err
	}
	var after billing.Customer
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		before, err := tx.GetCustomer(ctx, s, id)
		if err != nil {
			return notFound(err, "customer", id)
		}
		after = before
		setIf(&after.Email, p.Email)
		setIf(&after.Name, p.Name)
		setIf(&after.ExternalID, p.ExternalID)
		setIf(&after.Locale, p.Locale)
		after.Metadata = mergeMetadata(before.Metadata, p.Metadata)
		now := a.Now()
		after.Updated = now
		if err := tx.UpdateCustomer(ctx, after); err != nil {
			return conflict(fmt.Errorf("update customer %s: %w", id, err))
		}
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "customer.update", objectType: "customer", objectID: id, before: before, after: after}); err != nil {
			return err
		}
		return a.emitChange(ctx, tx, s, EventCustomerUpdated, "customer", id, before, after, now)
	})
	return after, err
}

// ListCustomers lists customers of scope s, newest first.
func (a *App) ListCustomers(ctx context.Context, s billing.Scope, f billing.CustomerFilter, page billing.Page) (List[billing.Customer], error) {
	return list(ctx, a, page, billing.PrefixCustomer, func(tx billing.Tx, page billing.Page) ([]billing.Customer, bool, error) {
		return tx.ListCustomers(ctx, s, f, page)
	})
}
