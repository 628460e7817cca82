package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/sqlite/litedb/accountsdb"
)

// customerTx is the billing.CustomerTx of one transaction.
type customerTx struct{ *base }

var _ billing.CustomerTx = customerTx{}

// Customers.

// CreateCustomer inserts c.
func (t customerTx) CreateCustomer(ctx context.Context, c billing.Customer) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("create customer %s: encode metadata: %w", c.ID, err)
	}
	taxProfile, err := billing.ProfileJSON(c.TaxProfile)
	if err != nil {
		return fmt.Errorf("create customer %s: %w", c.ID, err)
	}
	err = t.accounts.CreateCustomer(ctx, accountsdb.CreateCustomerParams{
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
		Created:     micros(c.Created),
		Updated:     micros(c.Updated),
	})
	if err != nil {
		return dbError(err, "create customer %s", c.ID)
	}
	return nil
}

// GetCustomer returns the customer with id in scope s.
func (t customerTx) GetCustomer(ctx context.Context, s billing.Scope, id string) (billing.Customer, error) {
	row, err := t.accounts.GetCustomer(ctx, accountsdb.GetCustomerParams{MerchantID: s.MerchantID, Mode: string(s.Mode), ID: id})
	if err != nil {
		return billing.Customer{}, dbError(err, "get customer %s", id)
	}
	return customerFromRow(row)
}

// GetCustomers returns the customers of ids in scope s, by id.
func (t customerTx) GetCustomers(ctx context.Context, s billing.Scope, ids []string) (map[string]billing.Customer, error) {
	if len(ids) == 0 {
		return map[string]billing.Customer{}, nil
	}
	rows, err := t.accounts.GetCustomers(ctx, accountsdb.GetCustomersParams{MerchantID: s.MerchantID, Mode: string(s.Mode), Ids: ids})
	if err != nil {
		return nil, dbError(err, "get customers")
	}
	out, err := convertRows(rows, customerFromRow)
	if err != nil {
		return nil, err
	}
	return byID(out, func(c billing.Customer) string { return c.ID }), nil
}

// UpdateCustomer writes c's mutable fields (not its test clock, which is
// fixed at creation).
func (t customerTx) UpdateCustomer(ctx context.Context, c billing.Customer) error {
	metadata, err := encodeMap(c.Metadata)
	if err != nil {
		return fmt.Errorf("update customer %s: encode metadata: %w", c.ID, err)
	}
	taxProfile, err := billing.ProfileJSON(c.TaxProfile)
	if err != nil {
		return fmt.Errorf("update customer %s: %w", c.ID, err)
	}
	n, err := t.accounts.UpdateCustomer(ctx, accountsdb.UpdateCustomerParams{
		Email:      c.Email,
		Name:       c.Name,
		ExternalID: c.ExternalID,
		Locale:     c.Locale,
		TaxExempt:  billing.TaxExemptOf(c),
		Metadata:   metadata,
		TaxProfile: taxProfile,
		Updated:    micros(c.Updated),
		MerchantID: c.Scope.MerchantID,
		Mode:       string(c.Scope.Mode),
		ID:         c.ID,
	})
	return notFoundIfNone(n, err, "update customer %s", c.ID)
}

// DeleteCustomer marks the customer deleted at `at`; ErrNotFound when it
// does not exist or is already deleted.
func (t customerTx) DeleteCustomer(ctx context.Context, s billing.Scope, id string, at time.Time) error {
	n, err := t.accounts.DeleteCustomer(ctx, accountsdb.DeleteCustomerParams{
		Deleted:    nullMicros(&at),
		Updated:    micros(at),
		MerchantID: s.MerchantID,
		Mode:       string(s.Mode),
		ID:         id,
	})
	return notFoundIfNone(n, err, "delete customer %s", id)
}

// ListCustomers returns a page of s's customers that are not deleted,
// newest first.
func (t customerTx) ListCustomers(ctx context.Context, s billing.Scope, f billing.CustomerFilter, page billing.Page) ([]billing.Customer, bool, error) {
	// A filter on a key with its own index reads by that index (see the
	// query's comment); the list with every filter optional would scan
	// the merchant's whole scope.
	p := accountsdb.ListCustomersParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Email:         f.Email,
		ExternalID:    f.ExternalID,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
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
		return nil, false, dbError(err, "list customers")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, customerFromRow)
	return out, more, err
}

func customerFromRow(row accountsdb.Customer) (billing.Customer, error) {
	metadata, err := decodeMap[string](row.Metadata)
	if err != nil {
		return billing.Customer{}, fmt.Errorf("decode metadata of customer %s: %w", row.ID, err)
	}
	taxProfile, err := billing.ParseProfile[billing.CustomerTaxProfile](row.TaxProfile)
	if err != nil {
		return billing.Customer{}, fmt.Errorf("customer %s: %w", row.ID, err)
	}
	return billing.Customer{
		ID:          row.ID,
		Scope:       billing.Scope{MerchantID: row.MerchantID, Mode: billing.Mode(row.Mode)},
		Email:       row.Email,
		Name:        row.Name,
		ExternalID:  row.ExternalID,
		Locale:      row.Locale,
		TestClockID: row.TestClockID,
		TaxExempt:   billing.TaxExemptFromStore(row.TaxExempt),
		Metadata:    metadata,
		TaxProfile:  taxProfile,
		Created:     fromMicros(row.Created),
		Updated:     fromMicros(row.Updated),
		Deleted:     fromNullMicros(row.Deleted),
	}, nil
}

// SearchCustomers returns a page of s's customers that are not deleted and
// match query (SearchCustomers in sql/sqlite/accounts), newest first.
func (t customerTx) SearchCustomers(ctx context.Context, s billing.Scope, query string, page billing.Page) ([]billing.Customer, bool, error) {
	rows, err := t.accounts.SearchCustomers(ctx, accountsdb.SearchCustomersParams{
		MerchantID:    s.MerchantID,
		Mode:          string(s.Mode),
		Query:         query,
		StartingAfter: page.StartingAfter,
		RowLimit:      rowLimit(page.Limit),
	})
	if err != nil {
		return nil, false, dbError(err, "search customers")
	}
	rows, more := trimPage(rows, page.Limit)
	out, err := convertRows(rows, customerFromRow)
	return out, more, err
}

// SearchCustomersByPrefix returns a page of scope s's customers that are
// not deleted and start with prefix (SearchCustomersByPrefix in
// sql/sqlite/accounts), newest first. Each start is read as the range
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
		return nil, false, dbError(err, "search customers by prefix")
	}
	rows, more := trimPage(rows, pg.Limit)
	out, err := convertRows(rows, customerFromRow)
	if err != nil {
		return nil, false, err
	}
	return out, more, nil
}
