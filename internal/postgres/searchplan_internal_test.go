package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/postgres/pgtest"
)

// TestCustomerSearchUsesItsIndexes: the console's customer search finds
// an email, an external id and a part of a name through their indexes of
// migration 00042 (the trigram index needs pg_trgm, which this server
// has: CI installs Debian's PostgreSQL with contrib), never by reading
// the merchant's customers: in the generic plan a prepared statement
// settles on, over enough customers that reading them all would show. A
// search of one or two characters (SearchCustomersByPrefix) reads its
// prefix indexes of migration 00044 alike.
func TestCustomerSearchUsesItsIndexes(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, pgtest.URL(t), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Migrate(ctx))
	var trgm bool
	require.NoError(t, s.pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm')").Scan(&trgm))
	require.True(t, trgm, "migration 00042 installs pg_trgm where the server has it")

	_, err = s.pool.Exec(ctx, `INSERT INTO merchants (id, name, timezone, locale, invoice_prefix, created)
		VALUES ('mer_1', 'Uno', 'America/Santiago', 'es-CL', 'UNO', now())`)
	require.NoError(t, err)
	// 20,000 customers of one scope, with the names, emails and external
	// ids the search reads, and some metadata, so that reading them all
	// costs the planner what it costs on a real table.
	_, err = s.pool.Exec(ctx, `INSERT INTO customers (id, merchant_id, mode, email, name, external_id, locale, metadata, created, updated)
		SELECT 'cus_' || lpad(i::text, 26, '0'), 'mer_1', 'test', 'cliente' || i || '@example.cl',
		       (ARRAY['Ana', 'Diego', 'Elena', 'Hugo'])[i % 4 + 1] || ' ' || (ARRAY['Soto', 'Rojas', 'Vera'])[i % 3 + 1] || ' ' || i,
		       'crm-' || i, 'es-CL', '{"nota":"' || repeat('x', 400) || '"}', now(), now()
		FROM generate_series(1, 20000) i`)
	require.NoError(t, err)
	_, err = s.pool.Exec(ctx, "ANALYZE customers")
	require.NoError(t, err)

	pgTx, err := s.pool.Begin(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pgTx.Rollback(context.Background()) })
	rec := &queryRecorder{Tx: pgTx}
	b := &base{tx: pgTx}
	b.setQueries(rec)
	tx := newTx(b)
	_, err = pgTx.Exec(ctx, "SET LOCAL plan_cache_mode = force_generic_plan")
	require.NoError(t, err)

	scope := billing.Scope{MerchantID: "mer_1", Mode: billing.ModeTest}
	for i, q := range []string{"cliente77@example.cl", "crm-77", "rojas 77", "77"} {
		rec.queries = nil
		found, _, err := tx.Customers.SearchCustomers(ctx, scope, q, billing.Page{Limit: 25})
		require.NoError(t, err)
		require.NotEmpty(t, found, q)
		require.Len(t, rec.queries, 1, q)
		plan := genericPlan(t, pgTx, fmt.Sprintf("searchplan_%d", i), rec.queries[0])
		for _, index := range []string{"customers_lower_email_idx", "customers_lower_external_id_idx", "customers_name_trgm_idx"} {
			require.Contains(t, plan, " "+index+" ", "%q: plan\n%s", q, plan)
		}
		require.NotContains(t, plan, "Seq Scan", "%q: plan\n%s", q, plan)
		require.NotContains(t, plan, "customers_scope_idx", "%q: plan\n%s", q, plan)
	}

	// One or two characters: each start through its prefix index of
	// migration 00044, a prefix every customer shares ("cl" of the
	// emails) included — never the table, nor the primary key walked.
	for i, p := range []string{"cl", "ro", "e", "cr", "zz"} {
		rec.queries = nil
		found, _, err := tx.Customers.SearchCustomersByPrefix(ctx, scope, p, billing.Page{Limit: 25})
		require.NoError(t, err)
		if p != "zz" {
			require.Len(t, found, 25, p)
		}
		require.Len(t, rec.queries, 1, p)
		plan := genericPlan(t, pgTx, fmt.Sprintf("prefixplan_%d", i), rec.queries[0])
		for _, index := range []string{"customers_email_prefix_idx", "customers_external_id_prefix_idx", "customers_name_prefix_idx",
			"customers_name_word2_prefix_idx"} {
			require.Contains(t, plan, " "+index+" ", "%q: plan\n%s", p, plan)
		}
		require.NotContains(t, plan, "Seq Scan", "%q: plan\n%s", p, plan)
		require.NotContains(t, plan, "customers_scope_idx", "%q: plan\n%s", p, plan)
		require.NotContains(t, plan, "Backward", "%q: plan\n%s", p, plan)
	}
}
