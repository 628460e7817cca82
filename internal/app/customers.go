package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cuota/cuota/internal/billing"
)

// Customer event types (Stripe's names).
const (
	EventCustomerCreated = "customer.created"
	EventCustomerUpdated = "customer.updated"
	EventCustomerDeleted = "customer.deleted"
)

// CustomerParams are the fields of a customer; on update nil fields are
// left unchanged and Metadata is merged.
type CustomerParams struct {
	Email      *string
	Name       *string
	ExternalID *string
	Locale     *string
	TestClock  *string // create only: the test clock the customer lives on
	// TaxExempt is none or exempt: an exempt customer's invoices carry no
	// tax (billing.ComputeInvoiceTax).
	TaxExempt *string
	Metadata  billing.Metadata
	// PreferredLocales, when given, sets Locale to its first entry (Stripe's
	// preferred_locales; "" when empty).
	PreferredLocales *[]string
	TaxProfile       TaxProfileParams
}

func (v *validator) customer(p CustomerParams) {
	v.maxLen("email", deref(p.Email), 512)
	v.email("email", deref(p.Email))
	v.maxLen("name", deref(p.Name), maxNameLen)
	v.maxLen("external_id", deref(p.ExternalID), maxKeyLen)
	v.locale("locale", deref(p.Locale))
	if p.TaxExempt != nil && *p.TaxExempt != billing.TaxExemptNone && *p.TaxExempt != billing.TaxExemptExempt {
		v.fail("tax_exempt", billing.CodeParameterInvalid, "tax_exempt must be none or exempt")
	}
	v.metadata(p.Metadata)
	if p.PreferredLocales != nil {
		if len(*p.PreferredLocales) > maxPreferredLocales {
			v.fail("preferred_locales", billing.CodeParameterInvalid, "preferred_locales can have at most %d entries", maxPreferredLocales)
		}
		for _, l := range *p.PreferredLocales {
			v.locale("preferred_locales", l)
		}
	}
}

// taxExemptParam is the stored form of a tax_exempt parameter: none is
// kept as "" (billing.TaxExemptFromStore), so a customer reads back as it
// was written.
func taxExemptParam(p *string) *string {
	if p == nil {
		return nil
	}
	v := billing.TaxExemptFromStore(*p)
	return &v
}

// CreateCustomer creates a customer in scope s.
func (a *Customers) CreateCustomer(ctx context.Context, s billing.Scope, p CustomerParams) (billing.Customer, error) {
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
		TaxExempt:  deref(taxExemptParam(p.TaxExempt)),
		Metadata:   orEmpty(p.Metadata),
		Created:    now,
		Updated:    now,
	}
	c.TestClockID = deref(p.TestClock)
	preferredLocale(&c, p)
	if err := applyTaxProfile(&c.TaxProfile, p.TaxProfile); err != nil {
		return billing.Customer{}, err
	}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		if c.TestClockID != "" {
			if err := testModeOnly(s, "test clocks"); err != nil {
				return err
			}
			if _, err := tx.Clocks.GetTestClock(ctx, s, c.TestClockID); err != nil {
				return referenced(err, "test_clock", c.TestClockID)
			}
		}
		if err := tx.Customers.CreateCustomer(ctx, c); err != nil {
			return conflict(fmt.Errorf("create customer: %w", err))
		}
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "customer.create", objectType: "customer", objectID: c.ID, after: c}); err != nil {
			return err
		}
		return a.emit(ctx, tx, s, EventCustomerCreated, "customer", c.ID, c, now)
	})
	return c, err
}

// GetCustomer returns a customer of scope s that is not deleted: a
// deleted one is not found.
func (a *Customers) GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error) {
	return read(ctx, a.core, func(tx billing.Tx) (billing.Customer, error) {
		v, err := liveCustomer(ctx, tx, s, id)
		if err != nil {
			return v, notFound(err, "customer", id)
		}
		one := []billing.Customer{v}
		err = withBalances(ctx, tx, s, one)
		return one[0], err
	})
}

// GetCustomers returns the customers of ids in scope s (deleted ones
// too: the rows of a list that name one still need its name and email),
// by id, in one read — never one read per row. Ids not found are absent.
// At most maxBatchIDs ids.
func (a *Customers) GetCustomers(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Customer, error) {
	return readByIDs(ctx, a.core, ids, func(tx billing.Tx, ids []string) (map[string]billing.Customer, error) {
		return tx.Customers.GetCustomers(ctx, s, ids)
	})
}

// liveCustomer reads a customer that is not deleted: a deleted one is
// billing.ErrNotFound, as if it did not exist, so that every use case that
// makes something for a customer (subscriptions, invoices, setups,
// checkout and portal sessions, payment methods) refuses a deleted one
// the way it refuses an unknown one. Reading what a customer already has
// (invoices, payments) uses tx.GetCustomer, which returns deleted ones too.
func liveCustomer(ctx context.Context, tx billing.Tx, s billing.Scope, id string) (billing.Customer, error) {
	c, err := tx.Customers.GetCustomer(ctx, s, id)
	if err != nil {
		return c, err
	}
	if c.Deleted != nil {
		return billing.Customer{}, fmt.Errorf("customer %s was deleted: %w", id, billing.ErrNotFound)
	}
	return c, nil
}

// UpdateCustomer changes the given fields of a customer.
func (a *Customers) UpdateCustomer(ctx context.Context, s billing.Scope, id string, p CustomerParams) (billing.Customer, error) {
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
		before, err := liveCustomer(ctx, tx, s, id)
		if err != nil {
			return notFound(err, "customer", id)
		}
		after = before
		setIf(&after.Email, p.Email)
		setIf(&after.Name, p.Name)
		setIf(&after.ExternalID, p.ExternalID)
		setIf(&after.Locale, p.Locale)
		setIf(&after.TaxExempt, taxExemptParam(p.TaxExempt))
		preferredLocale(&after, p)
		after.Metadata = mergeMetadata(before.Metadata, p.Metadata)
		after.TaxProfile.TaxIDs = slices.Clone(before.TaxProfile.TaxIDs)
		if err := applyTaxProfile(&after.TaxProfile, p.TaxProfile); err != nil {
			return err
		}
		now := a.Now()
		after.Updated = now
		if err := tx.Customers.UpdateCustomer(ctx, after); err != nil {
			return conflict(fmt.Errorf("update customer %s: %w", id, err))
		}
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "customer.update", objectType: "customer", objectID: id, before: before, after: after}); err != nil {
			return err
		}
		return a.emitChange(ctx, tx, s, EventCustomerUpdated, "customer", id, before, after, now)
	})
	return after, err
}

// DeleteCustomer deletes a customer, like Stripe: its live subscriptions
// are canceled at once (requested_by_merchant, by the rules, events and
// audit of CancelSubscription's cancel-now, with no proration or refund),
// its payment methods are detached so nothing charges them again, and the
// customer.deleted event carries the customer as it was. All of it commits
// together. The deletion is soft: invoices, payments and audit entries
// still refer to the customer, so its row stays, marked deleted; the API
// no longer finds it and its external_id is free for a new customer.
//
// Incomplete subscriptions are left to expire: their way out is expiry,
// not cancellation (billing.SubscriptionStatus.Live), and with the cards
// detached nothing charges them.
func (a *Customers) DeleteCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error) {
	return retryOnConflict(manageAttempts, func() (billing.Customer, error) { return a.deleteCustomerOnce(ctx, s, id) })
}

// deleteCustomerOnce is one attempt of DeleteCustomer; a subscription
// written by another process meanwhile (a version conflict) makes
// DeleteCustomer try again on what is there now, as manage does.
func (a *Customers) deleteCustomerOnce(ctx context.Context, s billing.Scope, id string) (billing.Customer, error) {
	var before billing.Customer
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if before, err = liveCustomer(ctx, tx, s, id); err != nil {
			return notFound(err, "customer", id)
		}
		subs, _, err := tx.Subscriptions.ListSubscriptions(ctx, s, billing.SubscriptionFilter{CustomerID: id}, billing.Page{})
		if err != nil {
			return fmt.Errorf("list subscriptions of %s: %w", id, err)
		}
		for _, sub := range subs {
			if !sub.Status.Live() {
				continue
			}
			if _, err := a.subscriptions.manageIn(ctx, tx, s, sub.ID, a.subscriptions.cancelNow(billing.CancelRequestedByMerchant)); err != nil {
				return fmt.Errorf("cancel subscription %s: %w", sub.ID, err)
			}
		}
		now := a.Now()
		if err := a.detachPaymentMethods(ctx, tx, s, id, now); err != nil {
			return err
		}
		if err := tx.Customers.DeleteCustomer(ctx, s, id, now); err != nil {
			return notFound(err, "customer", id)
		}
		after := before
		after.Deleted, after.Updated = &now, now
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "customer.delete", objectType: "customer", objectID: id, before: before, after: after}); err != nil {
			return err
		}
		return a.emit(ctx, tx, s, EventCustomerDeleted, "customer", id, before, now)
	})
	return before, err
}

// detachPaymentMethods detaches a deleted customer's active payment
// methods (each with its audit entry), so that nothing charges them again:
// charges take only active ones.
func (a *Customers) detachPaymentMethods(ctx context.Context, tx billing.Tx, s billing.Scope, customerID string, now time.Time) error {
	pms, err := tx.PaymentMethods.ListPaymentMethods(ctx, s, customerID)
	if err != nil {
		return fmt.Errorf("list payment methods of %s: %w", customerID, err)
	}
	for _, pm := range pms {
		if pm.Status != billing.PaymentMethodActive {
			continue
		}
		before := pm
		pm.Status, pm.Updated = billing.PaymentMethodDetached, now
		if err := tx.PaymentMethods.UpdatePaymentMethod(ctx, pm); err != nil {
			return fmt.Errorf("detach payment method %s: %w", pm.ID, err)
		}
		if err := a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "payment_method.detach",
			objectType: "payment_method", objectID: pm.ID, before: before, after: pm}); err != nil {
			return err
		}
	}
	return nil
}

// ListCustomers lists customers of scope s, newest first.
func (a *Customers) ListCustomers(ctx context.Context, s billing.Scope, f billing.CustomerFilter, page billing.Page) (List[billing.Customer], error) {
	return list(ctx, a.core, page, billing.PrefixCustomer, func(tx billing.Tx, page billing.Page) ([]billing.Customer, bool, error) {
		l, more, err := tx.Customers.ListCustomers(ctx, s, f, page)
		if err != nil {
			return nil, false, err
		}
		return l, more, withBalances(ctx, tx, s, l)
	})
}

// searchQuery is a customer search as it is matched: trimmed and in
// lower case ("" lists every customer), at most maxEmailLen bytes.
func searchQuery(q string) (string, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if len(q) > maxEmailLen {
		return "", billing.Invalid("query", billing.CodeParameterInvalid, "the search may have at most %d bytes", maxEmailLen)
	}
	return q, nil
}

// shortSearch is how many characters a search needs to be found inside
// names (the trigram index reads groups of three): a shorter one matches
// only the start of the email, the external id, the name or its second
// word (docs/console.md).
const shortSearch = 3

// searchCustomers reads a page of the customers query (searchQuery's, not
// empty) finds: a short query by the starts it matches, a longer one by
// an exact email or external id or a part of the name. The list and its
// export both read through it.
func searchCustomers(ctx context.Context, tx billing.Tx, s billing.Scope, query string, page billing.Page) ([]billing.Customer, bool, error) {
	if utf8.RuneCountInString(query) < shortSearch && billing.PrefixEnd(query) != "" {
		return tx.Customers.SearchCustomersByPrefix(ctx, s, query, page)
	}
	return tx.Customers.SearchCustomers(ctx, s, query, page)
}

// SearchCustomers lists the customers of scope s that query finds,
// ignoring case, newest first: of three characters or more, those whose
// email or external id is query or whose name contains it; of one or
// two, those whose email, external id, name or name's second word starts
// with it. An empty query lists them all.
func (a *Customers) SearchCustomers(ctx context.Context, s billing.Scope, query string, page billing.Page) (List[billing.Customer], error) {
	query, err := searchQuery(query)
	if err != nil {
		return List[billing.Customer]{}, err
	}
	if query == "" {
		return a.ListCustomers(ctx, s, billing.CustomerFilter{}, page)
	}
	return list(ctx, a.core, page, billing.PrefixCustomer, func(tx billing.Tx, page billing.Page) ([]billing.Customer, bool, error) {
		l, more, err := searchCustomers(ctx, tx, s, query, page)
		if err != nil {
			return nil, false, err
		}
		return l, more, withBalances(ctx, tx, s, l)
	})
}
