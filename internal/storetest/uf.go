package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseUF checks the UF values per day and the invoices waiting for
// them: a scope sees its own values and the fetched ones (never another
// scope's), a value is replaced in place keeping its creation, and the
// waits are found when due, hurried, counted and removed.
func exerciseUF(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RatesPerScopeAndDay", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		at := b.clock.next()
		fetched := billing.UFRate{Date: "2026-12-07", Value: 3948565, Source: billing.UFSourceCMF, Created: at, Updated: at}
		mine := billing.UFRate{Scope: b.scope, Date: "2026-12-07", Value: 3948000, Source: billing.UFSourceManual, SetBy: "api_key:key_1",
			Created: at, Updated: at}
		theirs := billing.UFRate{Scope: b.other, Date: "2026-12-07", Value: 1, Source: billing.UFSourceManual, Created: at, Updated: at}
		older := billing.UFRate{Date: "2026-12-06", Value: 3947000, Source: billing.UFSourceCMF, Created: at, Updated: at}
		for _, r := range []billing.UFRate{fetched, mine, theirs, older} {
			require.NoError(t, tx.UF.PutUFRate(ctx, r))
		}
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.UF.UFRatesOn(ctx, b.scope, "2026-12-07")
		require.NoError(t, err)
		require.Equal(t, []billing.UFRate{mine, fetched}, got, "its own first, then the fetched one")
		got, err = tx.UF.UFRatesOn(ctx, b.live, "2026-12-07")
		require.NoError(t, err)
		require.Equal(t, []billing.UFRate{fetched}, got, "the other mode sees only the fetched value")
		got, err = tx.UF.UFRatesOn(ctx, b.scope, "2026-12-08")
		require.NoError(t, err)
		require.Empty(t, got)
		list, err := tx.UF.ListUFRates(ctx, b.scope, "9999-12-31~", 10)
		require.NoError(t, err)
		require.Equal(t, []billing.UFRate{mine, fetched, older}, list)
		list, err = tx.UF.ListUFRates(ctx, b.scope, "2026-12-07", 10)
		require.NoError(t, err)
		require.Equal(t, []billing.UFRate{older}, list)

		replaced := mine
		replaced.Value, replaced.SetBy, replaced.Created, replaced.Updated = 3948100, "user:usr_1", b.clock.next(), b.clock.next()
		require.NoError(t, tx.UF.PutUFRate(ctx, replaced))
		got, err = tx.UF.UFRatesOn(ctx, b.scope, "2026-12-07")
		require.NoError(t, err)
		want := replaced
		want.Created = mine.Created // kept on replace
		require.Equal(t, want, got[0])
		tx.commit(t)
	})

	t.Run("Waits", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx.Tx, b.scope, c.ID, b.clock.next())
		at := b.clock.next()
		w := billing.UFWait{Scope: b.scope, InvoiceID: inv.ID, Date: "2026-12-07", NextAttemptAt: at.Add(time.Hour), Created: at}
		require.NoError(t, tx.UF.CreateUFWait(ctx, w))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.UF.GetUFWait(ctx, b.scope, inv.ID)
		require.NoError(t, err)
		require.Equal(t, w, got)
		_, err = tx.UF.GetUFWait(ctx, b.other, inv.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		due, err := tx.UF.DueUFWaits(ctx, at, 10)
		require.NoError(t, err)
		require.Empty(t, due, "not due for an hour")
		n, err := tx.UF.CountUFWaits(ctx, b.scope, "2026-12-07")
		require.NoError(t, err)
		require.Equal(t, int64(1), n)

		require.NoError(t, tx.UF.HurryUFWaits(ctx, b.scope, "2026-12-07", at))
		due, err = tx.UF.DueUFWaits(ctx, at, 10)
		require.NoError(t, err)
		w.NextAttemptAt = at
		require.Equal(t, []billing.UFWait{w}, due)

		w.Attempts, w.NextAttemptAt = 2, at.Add(5*time.Minute)
		require.NoError(t, tx.UF.UpdateUFWait(ctx, w))
		got, err = tx.UF.GetUFWait(ctx, b.scope, inv.ID)
		require.NoError(t, err)
		require.Equal(t, w, got)
		gone := w
		gone.InvoiceID = "in_none"
		require.ErrorIs(t, tx.UF.UpdateUFWait(ctx, gone), billing.ErrNotFound)

		require.NoError(t, tx.UF.DeleteUFWait(ctx, b.scope, inv.ID))
		_, err = tx.UF.GetUFWait(ctx, b.scope, inv.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		n, err = tx.UF.CountUFWaits(ctx, b.scope, "2026-12-07")
		require.NoError(t, err)
		require.Zero(t, n)
		tx.commit(t)
	})
}
