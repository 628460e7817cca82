package sqlite_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/sqlite"
	"github.com/cuota/cuota/internal/storetest"
)

// TestBackfill00026 runs the conformance check of migration 00026 on rows
// made as they were before it: subscription items without product names.
func TestBackfill00026(t *testing.T) {
	s := newStore(t)
	storetest.ExerciseBackfill00026(t, s, func(t *testing.T) {
		ctx := t.Context()
		require.NoError(t, sqlite.MigrateDownTo(ctx, s, 25))
		n, err := sqlite.Exec(ctx, s, `UPDATE subscriptions SET
			items = (SELECT json_group_array(json_remove(i.value, '$.product_name')) FROM json_each(subscriptions.items) i),
			pending_change = json_set(pending_change, '$.items', json((SELECT json_group_array(json_remove(i.value, '$.product_name'))
				FROM json_each(subscriptions.pending_change, '$.items') i)))
			WHERE pending_change <> 'null'`)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		require.NoError(t, s.Migrate(ctx))
	})
}
