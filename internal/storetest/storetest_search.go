package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseCustomerSearch checks SearchCustomers and SearchCustomersByPrefix
// against their definitions, written here in Go. SearchCustomers: a
// customer that is not deleted matches a query (in
// lower case, not empty) when its email or external id in lower case is
// the query, or its name in lower case contains it. Each store says this
// its own way (PostgreSQL with LIKE over indexes, SQLite with replace()),
// so the names hold what LIKE would take for wildcards or escapes.
func exerciseCustomerSearch(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("Search", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		type spec struct{ name, email, external string }
		specs := []spec{
			{"Ana Núñez", "Ana@Example.cl", "CRM-1"},
			{"100% Real_Name", "b@example.cl", ""},
			{`Back\slash Co`, "c@example.cl", "crm-10"},
			{"Diana Rojas", "diana@example.cl", ""},
			{"CRM Consultores", "crm@example.cl", "x-2"},
			{"", "ana@example.cl.ar", ""},
			{"ANA LUISA", "", ""},
		}
		tx := begin(t, b.store)
		var all []billing.Customer
		for _, sp := range specs {
			all = append(all, newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
				c.Name, c.Email, c.ExternalID = sp.name, sp.email, sp.external
			}))
		}
		gone := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.Name = "Ana Borrada" })
		require.NoError(t, tx.Customers.DeleteCustomer(ctx, b.scope, gone.ID, b.clock.next()))
		newCustomer(t, tx.Tx, b.live, b.clock.next(), func(c *billing.Customer) { c.Name = "Ana de otro modo" })
		tx.commit(t)

		matches := func(c billing.Customer, q string) bool {
			return strings.ToLower(c.Email) == q || strings.ToLower(c.ExternalID) == q || strings.Contains(strings.ToLower(c.Name), q)
		}
		tx = begin(t, b.store)
		for _, q := range []string{"ana", "ana@example.cl", "crm-1", "crm", "crm-10", "%", "_", "l_n", "l%n", "%real", `\`, `k\s`,
			`\s`, "núñez", "borrada", "example", "otro", "ana luisa", "a", "zz"} {
			var want []string
			for _, c := range all {
				if matches(c, q) {
					want = append(want, c.ID)
				}
			}
			slices.Reverse(want) // newest first
			if want == nil {
				want = []string{}
			}
			t.Logf("query %q", q)
			requireList(t, want, pageIDs(func(page billing.Page) ([]billing.Customer, bool, error) {
				return tx.Customers.SearchCustomers(ctx, b.scope, q, page)
			}, func(c billing.Customer) string { return c.ID }))
		}
		tx.commit(t)

		// The short search's definition: the start of the email, the
		// external id, the name or what follows the name's first space.
		starts := func(c billing.Customer, p string) bool {
			name := strings.ToLower(c.Name)
			_, second, spaced := strings.Cut(name, " ")
			return strings.HasPrefix(strings.ToLower(c.Email), p) ||
				(c.ExternalID != "" && strings.HasPrefix(strings.ToLower(c.ExternalID), p)) ||
				strings.HasPrefix(name, p) || (spaced && strings.HasPrefix(second, p))
		}
		tx = begin(t, b.store)
		for _, p := range []string{"a", "an", "n", "nú", "r", "re", "cr", "c", "%", "_", `\`, "10", "lu", "d", "di", "x", "x-", "b",
			"bo", "o", "zz", "ñ", "ex"} {
			var want []string
			for _, c := range all {
				if starts(c, p) {
					want = append(want, c.ID)
				}
			}
			slices.Reverse(want) // newest first
			if want == nil {
				want = []string{}
			}
			t.Logf("prefix %q", p)
			requireList(t, want, pageIDs(func(page billing.Page) ([]billing.Customer, bool, error) {
				return tx.Customers.SearchCustomersByPrefix(ctx, b.scope, p, page)
			}, func(c billing.Customer) string { return c.ID }))
		}
		tx.commit(t)
	})
}
