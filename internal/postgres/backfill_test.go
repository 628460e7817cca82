package postgres_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/postgres"
	"github.com/cuota/cuota/internal/storetest"
)

// TestBackfill00026 runs the conformance check of migration 00026 on rows
// made as they were before it: subscription items without product names.
func TestBackfill00026(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	storetest.ExerciseBackfill00026(t, s, func(t *testing.T) {
		ctx := t.Context()
		require.NoError(t, postgres.MigrateDownTo(ctx, s, 25))
		n, err := postgres.Exec(ctx, s, `UPDATE subscriptions SET
			items = (SELECT jsonb_agg(i.value - 'product_name' ORDER BY i.ord)::text
				FROM jsonb_array_elements(items::jsonb) WITH ORDINALITY AS i(value, ord)),
			pending_change = jsonb_set(pending_change::jsonb, '{items}', (SELECT jsonb_agg(i.value - 'product_name' ORDER BY i.ord)
				FROM jsonb_array_elements(pending_change::jsonb->'items') WITH ORDINALITY AS i(value, ord)))::text
			WHERE pending_change <> 'null'`)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		require.NoError(t, s.Migrate(ctx))
	})
}
