package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseBatchReads checks the reads of a page's ids (one query for the
// customers, invoices, payments, refunds or tax documents its rows name)
// and the timeline's reads of several objects' events and audit entries:
// each finds what its scope holds of the ids, nothing of another scope,
// nothing for no ids, and the same as the one-object reads it replaces.
func exerciseBatchReads(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("ByIDs", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		pay1 := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		pay2 := newSucceededPayment(t, tx.Tx, b.scope, b.clock.next())
		gone := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		require.NoError(t, tx.Customers.DeleteCustomer(ctx, b.scope, gone.ID, b.clock.next()))
		otherPay := newSucceededPayment(t, tx.Tx, b.other, b.clock.next())
		ref1 := newRefund(t, tx.Tx, b.scope, pay1.ID, b.clock.next())
		ref2 := newRefund(t, tx.Tx, b.scope, pay2.ID, b.clock.next())
		otherRef := newRefund(t, tx.Tx, b.other, otherPay.ID, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.commit(t)
		one := func(id string) billing.Customer {
			c, err := tx.Customers.GetCustomer(ctx, b.scope, id)
			require.NoError(t, err)
			return c
		}
		customers, err := tx.Customers.GetCustomers(ctx, b.scope, []string{pay1.CustomerID, pay2.CustomerID, gone.ID,
			otherPay.CustomerID, "cus_missing", pay1.CustomerID})
		require.NoError(t, err)
		require.Equal(t, map[string]billing.Customer{pay1.CustomerID: one(pay1.CustomerID), pay2.CustomerID: one(pay2.CustomerID),
			gone.ID: one(gone.ID)}, customers, "deleted ones too; another scope's and unknown ids are absent")
		require.NotNil(t, customers[gone.ID].Deleted)

		inv1, err := tx.Invoices.GetInvoice(ctx, b.scope, pay1.InvoiceID)
		require.NoError(t, err)
		invoices, err := tx.Invoices.GetInvoices(ctx, b.scope, []string{pay1.InvoiceID, otherPay.InvoiceID})
		require.NoError(t, err)
		require.Equal(t, map[string]billing.Invoice{inv1.ID: inv1}, invoices)

		p1, err := tx.Payments.GetPayment(ctx, b.scope, pay1.ID)
		require.NoError(t, err)
		p2, err := tx.Payments.GetPayment(ctx, b.scope, pay2.ID)
		require.NoError(t, err)
		payments, err := tx.Payments.GetPayments(ctx, b.scope, []string{pay1.ID, pay2.ID, otherPay.ID})
		require.NoError(t, err)
		require.Equal(t, map[string]billing.Payment{pay1.ID: p1, pay2.ID: p2}, payments)

		r2, err := tx.Payments.GetRefund(ctx, b.scope, ref2.ID)
		require.NoError(t, err)
		refunds, err := tx.Payments.GetRefunds(ctx, b.scope, []string{ref2.ID, otherRef.ID})
		require.NoError(t, err)
		require.Equal(t, map[string]billing.Refund{ref2.ID: r2}, refunds)
		refunds, err = tx.Payments.GetRefunds(ctx, b.live, []string{ref1.ID})
		require.NoError(t, err)
		require.Empty(t, refunds, "another mode's")

		// No ids: nothing, and no error.
		customers, err = tx.Customers.GetCustomers(ctx, b.scope, nil)
		require.NoError(t, err)
		require.Empty(t, customers)
		invoices, err = tx.Invoices.GetInvoices(ctx, b.scope, nil)
		require.NoError(t, err)
		require.Empty(t, invoices)
		payments, err = tx.Payments.GetPayments(ctx, b.scope, nil)
		require.NoError(t, err)
		require.Empty(t, payments)
		refunds, err = tx.Payments.GetRefunds(ctx, b.scope, nil)
		require.NoError(t, err)
		require.Empty(t, refunds)
	})

	t.Run("TaxDocumentsOfInvoices", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		c := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		invA := newInvoice(t, tx.Tx, b.scope, c.ID, b.clock.next())
		invB := newInvoice(t, tx.Tx, b.scope, c.ID, b.clock.next())
		invNone := newInvoice(t, tx.Tx, b.scope, c.ID, b.clock.next())
		doc := func(s billing.Scope, inv billing.Invoice, typ billing.DTEType, attempt int) billing.TaxDocument {
			at := b.clock.next()
			d := billing.TaxDocument{ID: billing.NewID("dte", at), Scope: s, InvoiceID: inv.ID, Type: typ, Attempt: attempt,
				Key: billing.DTEEmissionKey(inv.ID, typ, attempt), Provider: billing.DTEProviderOpenFactura,
				Status: billing.DTEAccepted, Created: at, Updated: at}
			ok, err := tx.DTE.CreateTaxDocument(ctx, d)
			require.NoError(t, err)
			require.True(t, ok)
			return d
		}
		// Invoice B's are made first, so that the read must order them
		// by invoice and time, not by insertion.
		b1 := doc(b.scope, invB, billing.DTEBoleta, 1)
		a1 := doc(b.scope, invA, billing.DTEFactura, 1)
		a2 := doc(b.scope, invA, billing.DTEFactura, 2)
		b2 := doc(b.scope, invB, billing.DTENotaDeCredito, 1)
		doc(b.live, invA, billing.DTEBoleta, 3) // another mode's
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.commit(t)
		got, err := tx.DTE.ListInvoicesTaxDocuments(ctx, b.scope, []string{invA.ID, invB.ID, invNone.ID})
		require.NoError(t, err)
		var ofA, ofB []billing.TaxDocument
		for _, d := range got {
			switch d.InvoiceID {
			case invA.ID:
				ofA = append(ofA, d)
			case invB.ID:
				ofB = append(ofB, d)
			}
		}
		require.Len(t, got, 4)
		require.Equal(t, []billing.TaxDocument{a1, a2}, ofA, "each invoice's oldest first")
		require.Equal(t, []billing.TaxDocument{b1, b2}, ofB)
		single, err := tx.DTE.ListInvoiceTaxDocuments(ctx, b.scope, invA.ID)
		require.NoError(t, err)
		require.Equal(t, single, ofA, "as the one-invoice read")
		got, err = tx.DTE.ListInvoicesTaxDocuments(ctx, b.other, []string{invA.ID})
		require.NoError(t, err)
		require.Empty(t, got, "another merchant's")
		got, err = tx.DTE.ListInvoicesTaxDocuments(ctx, b.scope, nil)
		require.NoError(t, err)
		require.Empty(t, got)
	})

	t.Run("EventsAndAuditOfObjects", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()
		tx := begin(t, b.store)
		event := func(s billing.Scope, objectID string) billing.Event {
			return newEvent(t, tx.Tx, s, b.clock.next(), func(e *billing.Event) { e.ObjectID = objectID })
		}
		entry := func(s billing.Scope, objectID string) billing.AuditEntry {
			e := buildAuditEntry(s.MerchantID, 0, "", b.clock.next())
			e.Mode, e.ObjectID, e.Hash = s.Mode, objectID, ""
			require.NoError(t, tx.Audit.InsertAuditEntry(ctx, e))
			return e
		}
		e1, e2 := event(b.scope, "cus_1"), event(b.scope, "sub_1")
		event(b.scope, "sub_9")
		event(b.other, "cus_1")
		event(b.live, "sub_1")
		e3 := event(b.scope, "cus_1")
		a1, a2 := entry(b.scope, "sub_1"), entry(b.scope, "cus_1")
		entry(b.scope, "in_9")
		entry(b.other, "cus_1")
		a3 := entry(b.scope, "sub_1")
		tx.commit(t)

		tx = begin(t, b.store)
		defer tx.commit(t)
		objects := []string{"cus_1", "sub_1", "in_1"}
		events, err := tx.Events.ListObjectsEvents(ctx, b.scope, objects, 10)
		require.NoError(t, err)
		require.Equal(t, []billing.Event{e3, e2, e1}, events, "the scope's events of the objects, newest first")
		events, err = tx.Events.ListObjectsEvents(ctx, b.scope, objects, 2)
		require.NoError(t, err)
		require.Equal(t, []billing.Event{e3, e2}, events, "at most the limit, the newest")
		events, err = tx.Events.ListObjectsEvents(ctx, b.scope, nil, 10)
		require.NoError(t, err)
		require.Empty(t, events)

		ids := func(l []billing.AuditEntry) []string {
			var out []string
			for _, e := range l {
				out = append(out, e.ID)
			}
			return out
		}
		entries, err := tx.Audit.ListObjectsAuditEntries(ctx, b.scope, objects, 10)
		require.NoError(t, err)
		require.Equal(t, []string{a3.ID, a2.ID, a1.ID}, ids(entries))
		single, err := tx.Audit.ListObjectAuditEntries(ctx, b.scope, "sub_1", 10)
		require.NoError(t, err)
		require.Equal(t, single, []billing.AuditEntry{entries[0], entries[2]}, "as the one-object read")
		entries, err = tx.Audit.ListObjectsAuditEntries(ctx, b.scope, objects, 1)
		require.NoError(t, err)
		require.Equal(t, []string{a3.ID}, ids(entries))
		entries, err = tx.Audit.ListObjectsAuditEntries(ctx, b.scope, nil, 10)
		require.NoError(t, err)
		require.Empty(t, entries)
	})
}
