package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgdb/accountsdb"
)

// customerTx is the billing.CustomerTx of one transaction.
type customerTx struct{ *base }

var _ billing.CustomerTx = customerTx{}

// CreateCustomer inserts c, test clock included (it never changes later).
func (t customerTx) CreateCustomer(ctx context.Context, c billing.Customer) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: create customer %s: metadata: %w", c.ID, err)
	}
	taxProfile, err := billing.ProfileJSON(c.TaxProfile)
	if err != nil {
		return fmt.Errorf("postgres: create customer %s: %w", c.ID, err)
	}
	return t.writeAccounts(ctx, "create customer "+c.ID, func(q *accountsdb.Queries) error {
		return q.CreateCustomer(ctx, accountsdb.CreateCustomerParams{
			ID:          c.ID,
			MerchantID:  c.Scope.MerchantID,
			Mode:        string(c.Scope.Mode),
			Email:       c.Email,
			Name:        c.Name,
			ExternalID:  c.ExternalID,
			Locale:      c.Locale,
			TestClockID: c.TestClockID,
			TaxExempt:   billing.TaxExemptOf(c),
			Metadata:    metadata,
			TaxProfile:  taxProfile,
			Created:     ts(c.Created),
			Updated:     ts(c.Updated),
		})
	})
}

// GetCustomer returns the customer with id in scope s.
func (t customerTx) GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error) {
	row, err := t.accounts.GetCustomer(ctx, accountsdb.GetCustomerParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Customer{}, dbError("get customer "+id, err)
	}
	c, err := customerFromRow(row)
	if err != nil {
		return billing.Customer{}, fmt.Errorf("postgres: get customer %s: %w", id, err)
	}
	return c, nil
}

// GetCustomers returns the customers of ids in scope s, by id.
func (t customerTx) GetCustomers(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Customer, error) {
	if len(ids) == 0 {
		return map[string]billing.Customer{}, nil
	}
	rows, err := t.accounts.GetCustomers(ctx, accountsdb.GetCustomersParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Ids: ids})
	if err != nil {
		return nil, dbError("get customers", err)
	}
	out, err := convertRows(rows, customerFromRow)
	if err != nil {
		return nil, fmt.Errorf("postgres: get customers: %w", err)
	}
	return byID(out, func(c billing.Customer) string { return c.ID }), nil
}

// UpdateCustomer writes c's email, name, external id, locale, metadata and
// updated time. The test clock is fixed at creation and left alone.
func (t customerTx) UpdateCustomer(ctx context.Context, c billing.Customer) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("postgres: update customer %s: metadata: %w", c.ID, err)
	}
	taxProfile, err := billing.ProfileJSON(c.TaxProfile)
	if err != nil {
		return fmt.Errorf("postgres: update customer %s: %w", c.ID, err)
	}
	return t.writeAccounts(ctx, "update customer "+c.ID, func(q *accountsdb.Queries) error {
		return updated(q.UpdateCustomer(ctx, accountsdb.UpdateCustomerParams{
			Email:      c.Email,
			Name:       c.Name,
			ExternalID: c.ExternalID,
			Locale:     c.Locale,
			TaxExempt:  billing.TaxExemptOf(c),
			Metadata:   metadata,
			TaxProfile: taxProfile,
			Updated:    ts(c.Updated),
			MerchantID: c.Scope.MerchantID,
			Mode:       string(c.Scope.Mode),
			ID:         c.ID,
		}))
	})
}

// DeleteCustomer marks the customer deleted at `at`; ErrNotFound when it
// does not exist or is already deleted.
func (t customerTx) DeleteCustomer(ctx context.Context, s billing.Scope, id string, at time.Time) error {
	return t.writeAccounts(ctx, "delete customer "+id, func(q *accountsdb.Queries) error {
		return updated(q.DeleteCustomer(ctx, accountsdb.DeleteCustomerParams{
			Deleted:    tsPtr(&at),
			Updated:    ts(at),
			MerchantID: s.MerchantID,
			Mode:       string(s.Mode),
			ID:         id,
		}))
	})
}

// ListCustomers returns a page of scope s's customers that are not
// deleted, newest first.
func (t customerTx) ListCustomers(ctx context.Context, s billing.Scope, f billing.CustomerFilter, pg billing.Page) ([]billing.Customer, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := accountsdb.ListCustomersParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Email:         f.Email,
		ExternalID:    f.ExternalID,
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	}
	var rows []accountsdb.Customer
	var err error
	switch {
	case f.ExternalID != "":
		rows, err = t.accounts.ListCustomersByExternalID(ctx, accountsdb.ListCustomersByExternalIDParams(p))
	case f.Email != "":
		rows, err = t.accounts.ListCustomersByEmail(ctx, accountsdb.ListCustomersByEmailParams(p))
	default:
		rows, err = t.accounts.ListCustomers(ctx, p)
	}
	if err != nil {
		return nil, false, dbError("list customers", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, customerFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: list customers: %w", err)
	}
	return out, more, nil
}

func customerFromRow(r accountsdb.Customer) (billing.Customer, error) {
	metadata, err := decodeMap[billing.Metadata](r.Metadata)
	if err != nil {
		return billing.Customer{}, fmt.Errorf("customer %s metadata: %w", r.ID, err)
	}
	taxProfile, err := billing.ParseProfile[billing.CustomerTaxProfile](r.TaxProfile)
	if err != nil {
		return billing.Customer{}, fmt.Errorf("customer %s: %w", r.ID, err)
	}
	return billing.Customer{
		ID:          r.ID,
		Scope:       billing.Scope{MerchantID: r.MerchantID, Mode: billing.Mode(r.Mode)},
		Email:       r.Email,
		Name:        r.Name,
		ExternalID:  r.ExternalID,
		Locale:      r.Locale,
		TestClockID: r.TestClockID,
		TaxExempt:   billing.TaxExemptFromStore(r.TaxExempt),
		Metadata:    metadata,
		TaxProfile:  taxProfile,
		Created:     r.Created.UTC(),
		Updated:     r.Updated.UTC(),
		Deleted:     utcPtr(r.Deleted),
	}, nil
}

// likeEscaper escapes LIKE's wildcards and its escape character (the
// default, backslash), so that a pattern matches the text as written.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// SearchCustomers returns a page of scope s's customers that are not
// deleted and match query (SearchCustomers in sql/postgres/accounts),
// newest first.
func (t customerTx) SearchCustomers(ctx context.Context, s billing.Scope, query string, pg billing.Page) ([]billing.Customer, bool, error) {
	rows, err := t.accounts.SearchCustomers(ctx, accountsdb.SearchCustomersParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Query:         query,
		NamePattern:   "%" + likeEscaper.Replace(query) + "%",
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("search customers", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, customerFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: search customers: %w", err)
	}
	return out, more, nil
}

// SearchCustomersByPrefix returns a page of scope s's customers that are
// not deleted and start with prefix (SearchCustomersByPrefix in
// sql/postgres/accounts), newest first. Each start is read as the range
// [prefix, billing.PrefixEnd(prefix)) of its index.
func (t customerTx) SearchCustomersByPrefix(ctx context.Context, s billing.Scope, prefix string, pg billing.Page) ([]billing.Customer, bool, error) {
	rows, err := t.accounts.SearchCustomersByPrefix(ctx, accountsdb.SearchCustomersByPrefixParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Prefix:        prefix,
		PrefixEnd:     billing.PrefixEnd(prefix),
		StartingAfter: pg.StartingAfter,
		RowLimit:      rowLimit(pg.Limit),
	})
	if err != nil {
		return nil, false, dbError("search customers by prefix", err)
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, customerFromRow)
	if err != nil {
		return nil, false, fmt.Errorf("postgres: search customers by prefix: %w", err)
	}
	return out, more, nil
}
