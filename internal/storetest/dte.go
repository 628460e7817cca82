package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseDTE checks DTE settings and tax document emissions: the key is
// unique per scope (a second emission under it inserts nothing), updates
// are compare-and-set, and the due scan sees only open emissions.
func exerciseDTE(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("SettingsRoundTrip", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		_, err := tx.DTE.GetDTESettings(ctx, b.scope)
		require.ErrorIs(t, err, billing.ErrNotFound)
		at := b.clock.next()
		s := billing.DTESettings{Scope: b.scope, Enabled: true, Provider: billing.DTEProviderOpenFactura, Sealed: "sealed:abc",
			ActivityCode: 620200, IssueOn: billing.DTEIssueOnPaid, Created: at, Updated: at}
		require.NoError(t, tx.DTE.PutDTESettings(ctx, s))
		later := s
		later.Enabled, later.Sealed, later.Created, later.Updated = false, "sealed:def", b.clock.next(), b.clock.next()
		require.NoError(t, tx.DTE.PutDTESettings(ctx, later))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.DTE.GetDTESettings(ctx, b.scope)
		require.NoError(t, err)
		want := later
		want.Created = s.Created // kept on replace
		require.Equal(t, want, got)
		_, err = tx.DTE.GetDTESettings(ctx, b.live)
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.DTE.GetDTESettings(ctx, b.other)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("EmissionExactlyOnceAndCompareAndSet", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx.Tx, b.scope, c.ID, b.clock.next())
		at := b.clock.next()
		due := at.Add(time.Minute)
		d := billing.TaxDocument{ID: "dte_0001", Scope: b.scope, InvoiceID: inv.ID, Type: billing.DTEBoleta, Attempt: 1,
			Key: billing.DTEEmissionKey(inv.ID, billing.DTEBoleta, 1), Provider: billing.DTEProviderOpenFactura,
			Status: billing.DTEPending, NextTry: &due, Created: at, Updated: at}
		ok, err := tx.DTE.CreateTaxDocument(ctx, d)
		require.NoError(t, err)
		require.True(t, ok)
		dup := d
		dup.ID = "dte_0002"
		ok, err = tx.DTE.CreateTaxDocument(ctx, dup)
		require.NoError(t, err)
		require.False(t, ok, "the same key inserts nothing")
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.DTE.GetTaxDocumentByKey(ctx, b.scope, d.Key)
		require.NoError(t, err)
		require.Equal(t, d, got)
		_, err = tx.DTE.GetTaxDocument(ctx, b.other, d.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		list, err := tx.DTE.ListInvoiceTaxDocuments(ctx, b.scope, inv.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.TaxDocument{d}, list)

		dueList, err := tx.DTE.ListDueTaxDocuments(ctx, at, 10)
		require.NoError(t, err)
		require.Empty(t, dueList, "not yet due")
		dueList, err = tx.DTE.ListDueTaxDocuments(ctx, due, 10)
		require.NoError(t, err)
		require.Equal(t, []billing.TaxDocument{d}, dueList)

		u := d
		sent := b.clock.next()
		u.Status, u.Folio, u.ProviderID, u.SIIStatus, u.Tries = billing.DTEIssued, 1021, "tok", "Pendiente", 1
		u.FirstSent, u.Updated = &sent, sent
		ok, err = tx.DTE.UpdateTaxDocument(ctx, u, d.Updated)
		require.NoError(t, err)
		require.True(t, ok)
		stale := u
		stale.Status = billing.DTERejected
		ok, err = tx.DTE.UpdateTaxDocument(ctx, stale, d.Updated)
		require.NoError(t, err)
		require.False(t, ok, "a stale update writes nothing")
		got, err = tx.DTE.GetTaxDocument(ctx, b.scope, d.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)

		final := u
		final.Status, final.NextTry, final.Updated = billing.DTEAccepted, nil, b.clock.next()
		ok, err = tx.DTE.UpdateTaxDocument(ctx, final, u.Updated)
		require.NoError(t, err)
		require.True(t, ok)
		dueList, err = tx.DTE.ListDueTaxDocuments(ctx, due.Add(time.Hour), 10)
		require.NoError(t, err)
		require.Empty(t, dueList, "final emissions are never due")
		tx.commit(t)
	})
}
