package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func customerKind() kind[billing.Customer] {
	return kind[billing.Customer]{
		table: "customers",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Customer {
			return buildCustomer(s, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Customer, error) {
			return tx.Customers.GetCustomer(ctx, s, id)
		},
		id: func(v billing.Customer) string { return v.ID },
		insert: func(tx billing.Tx, ctx context.Context, c billing.Customer) error {
			return tx.Customers.CreateCustomer(ctx, c)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Customer, bool, error) {
			return tx.Customers.ListCustomers(ctx, s, billing.CustomerFilter{}, page)
		},
		setID:    func(v *billing.Customer, id string) { v.ID = id },
		setScope: func(v *billing.Customer, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Customer) {
			v.Name = "Touched"
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, c billing.Customer) error {
			return tx.Customers.UpdateCustomer(ctx, c)
		},
	}
}

func exerciseCustomer(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		withExternal := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.ExternalID = "user_42"
			c.TestClockID = billing.NewID(billing.PrefixTestClock, c.Created)
			c.Metadata = billing.Metadata{"nota": "cliente con ñ y emoji 🙂", "empty": ""}
		})
		bare := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email = ""
			c.Name = ""
			c.Locale = ""
			c.Metadata = billing.Metadata{}
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Customer{withExternal, bare} {
			got, err := tx.Customers.GetCustomer(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		tx.commit(t)
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.TestClockID = billing.NewID(billing.PrefixTestClock, c.Created)
		})
		sibling := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		tx.commit(t)

		u := c
		u.Email = "mj.perez@example.com"
		u.Name = "María José Pérez Soto"
		u.ExternalID = "user_7"
		u.Locale = "en-US"
		u.Metadata = billing.Metadata{"segment": "b"}
		u.Updated = b.clock.next()
		want := u
		u.TestClockID = billing.NewID(billing.PrefixTestClock, u.Updated) // fixed at creation: ignored

		tx = begin(t, b.store)
		require.NoError(t, tx.Customers.UpdateCustomer(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Customers.GetCustomer(ctx, b.scope, c.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)

		got, err = tx.Customers.GetCustomer(ctx, b.scope, sibling.ID)
		require.NoError(t, err)
		require.Equal(t, sibling, got, "updating one customer leaves the others alone")
		tx.commit(t)
	})

	t.Run("ExternalIDUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_42" })
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildCustomer(b.scope, b.clock.next())
		dup.ExternalID = "user_42"
		requireUniqueViolation(t, tx.Customers.CreateCustomer(ctx, dup), "customers_external_id_key")
		tx.rollback(t)

		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			newCustomer(t, tx.Tx, s, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_42" })
		}
		for range 3 {
			newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "" })
		}
		tx.commit(t)
	})

	t.Run("UpdateExternalIDConflict", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_42" })
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_43" })
		tx.commit(t)

		tx = begin(t, b.store)
		c.ExternalID = "user_42"
		requireUniqueViolation(t, tx.Customers.UpdateCustomer(t.Context(), c), "customers_external_id_key")
		tx.rollback(t)
	})

	t.Run("DeleteIsSoft", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_42" })
		kept := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.ExternalID = "user_43" })
		tx.commit(t)

		at := b.clock.next()
		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			require.ErrorIs(t, tx.Customers.DeleteCustomer(ctx, s, c.ID, at), billing.ErrNotFound, "another scope's customer is not found")
		}
		require.ErrorIs(t, tx.Customers.DeleteCustomer(ctx, b.scope, "cus_missing", at), billing.ErrNotFound)
		require.NoError(t, tx.Customers.DeleteCustomer(ctx, b.scope, c.ID, at))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Customers.GetCustomer(ctx, b.scope, c.ID)
		require.NoError(t, err, "a deleted customer is kept for what refers to it")
		want := c
		want.Deleted, want.Updated = &at, at
		require.Equal(t, want, got)
		got, err = tx.Customers.GetCustomer(ctx, b.scope, kept.ID)
		require.NoError(t, err)
		require.Equal(t, kept, got, "deleting one customer leaves the others alone")

		require.ErrorIs(t, tx.Customers.DeleteCustomer(ctx, b.scope, c.ID, b.clock.next()), billing.ErrNotFound, "deleting twice")
		u := c
		u.Name, u.Updated = "Otra", b.clock.next()
		require.ErrorIs(t, tx.Customers.UpdateCustomer(ctx, u), billing.ErrNotFound, "a deleted customer cannot be updated")

		for _, f := range []billing.CustomerFilter{{}, {ExternalID: "user_42"}, {Email: c.Email}} {
			items, _, err := tx.Customers.ListCustomers(ctx, b.scope, f, billing.Page{})
			require.NoError(t, err)
			require.NotContains(t, idsOf(items, func(c billing.Customer) string { return c.ID }), c.ID, "lists leave deleted customers out (%+v)", f)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		reuse := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(n *billing.Customer) { n.ExternalID = "user_42" })
		tx.commit(t)
		tx = begin(t, b.store)
		items, _, err := tx.Customers.ListCustomers(ctx, b.scope, billing.CustomerFilter{ExternalID: "user_42"}, billing.Page{})
		require.NoError(t, err)
		require.Equal(t, []billing.Customer{reuse}, items, "a deleted customer's external_id is free again")
		dup := buildCustomer(b.scope, b.clock.next())
		dup.ExternalID = "user_42"
		requireUniqueViolation(t, tx.Customers.CreateCustomer(ctx, dup), "customers_external_id_key")
		tx.rollback(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email = "ana@example.cl"
			c.ExternalID = "user_1"
		})
		c2 := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email = "beto@example.cl"
			c.ExternalID = ""
		})
		c3 := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email = "ana@example.cl"
			c.ExternalID = "user_3"
		})
		newCustomer(t, tx.Tx, b.live, b.clock.next(), func(c *billing.Customer) {
			c.Email = "ana@example.cl"
			c.ExternalID = "user_3"
		})
		newCustomer(t, tx.Tx, b.other, b.clock.next(), func(c *billing.Customer) {
			c.Email = "ana@example.cl"
			c.ExternalID = "user_1"
		})
		tx.commit(t)

		list := func(tx billing.Tx, f billing.CustomerFilter) func(billing.Page) ([]string, bool, error) {
			return func(page billing.Page) ([]string, bool, error) {
				items, more, err := tx.Customers.ListCustomers(ctx, b.scope, f, page)
				return idsOf(items, func(c billing.Customer) string { return c.ID }), more, err
			}
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.CustomerFilter
			want   []billing.Customer
		}{
			{"None", billing.CustomerFilter{}, []billing.Customer{c3, c2, c1}},
			{"Email", billing.CustomerFilter{Email: "ana@example.cl"}, []billing.Customer{c3, c1}},
			{"EmailOther", billing.CustomerFilter{Email: "beto@example.cl"}, []billing.Customer{c2}},
			{"EmailUnknown", billing.CustomerFilter{Email: "nadie@example.cl"}, nil},
			{"ExternalID", billing.CustomerFilter{ExternalID: "user_3"}, []billing.Customer{c3}},
			{"ExternalIDUnknown", billing.CustomerFilter{ExternalID: "user_9"}, nil},
			{"Both", billing.CustomerFilter{Email: "ana@example.cl", ExternalID: "user_1"}, []billing.Customer{c1}},
			{"BothEmpty", billing.CustomerFilter{Email: "beto@example.cl", ExternalID: "user_3"}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, func(c billing.Customer) string { return c.ID }), list(tx.Tx, tc.filter))
		}

		items, _, err := tx.Customers.ListCustomers(ctx, b.scope, billing.CustomerFilter{ExternalID: "user_3"}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Customer{c3}, items)
		tx.commit(t)
	})
}

func buildCustomer(s billing.Scope, at time.Time) billing.Customer {
	return billing.Customer{
		ID:        billing.NewID(billing.PrefixCustomer, at),
		Scope:     s,
		Email:     "maria.jose@example.cl",
		Name:      "María José Pérez",
		Locale:    "es-CL",
		TaxExempt: billing.TaxExemptExempt,
		Metadata:  billing.Metadata{"crm_id": "0012"},
		Created:   at,
		Updated:   at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newCustomer(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time, mutate ...func(*billing.Customer)) billing.Customer {
	t.Helper()

	c := buildCustomer(s, at)
	for _, m := range mutate {
		m(&c)
	}
	require.NoError(t, tx.Customers.CreateCustomer(t.Context(), c))
	return c
}
