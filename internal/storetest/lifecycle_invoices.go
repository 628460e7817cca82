package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func invoiceKind() kind[billing.Invoice] {
	return kind[billing.Invoice]{
		table: "invoices",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Invoice {
			t.Helper()
			c := newCustomer(t, tx, s, at)
			return buildInvoice(s, c.ID, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Invoice, error) {
			return tx.Invoices.GetInvoice(ctx, s, id)
		},
		id: idOfInvoice,
		insert: func(tx billing.Tx, ctx context.Context, inv billing.Invoice) error {
			return tx.Invoices.CreateInvoice(ctx, inv)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Invoice, bool, error) {
			return tx.Invoices.ListInvoices(ctx, s, billing.InvoiceFilter{}, page)
		},
		setID:    func(v *billing.Invoice, id string) { v.ID = id },
		setScope: func(v *billing.Invoice, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Invoice) {
			v.AttemptCount++
			v.NextAttemptAt = nil
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, inv billing.Invoice) error {
			return tx.Invoices.UpdateInvoice(ctx, inv)
		},
	}
}

func exerciseInvoice(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		open := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		draft := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(inv *billing.Invoice) {
			inv.Number = ""
			inv.Status = billing.InvoiceDraft
			inv.BillingReason = billing.ReasonSubscriptionCreate
			inv.Lines = []billing.InvoiceLine{}
			inv.Subtotal, inv.Discount, inv.Tax, inv.Total, inv.AmountDue, inv.AmountPaid = 0, 0, 0, 0, 0, 0
			inv.AttemptCount = 0
			inv.NextAttemptAt = nil
			inv.FinalizedAt = nil
			inv.PaidAt = nil
			inv.VoidedAt = nil
		})
		paid := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(inv *billing.Invoice) {
			inv.SubscriptionID = "" // a manual invoice
			inv.BillingReason = billing.ReasonManual
			inv.Status = billing.InvoicePaid
			inv.Currency = "USD"
			inv.AmountPaid = inv.AmountDue
			inv.NextAttemptAt = nil
			inv.PaidAt = ptr(inv.Created.Add(3*time.Minute + 9*time.Microsecond))
		})
		void := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(inv *billing.Invoice) {
			inv.Status = billing.InvoiceVoid
			inv.BillingReason = billing.ReasonSubscriptionUpdate
			inv.NextAttemptAt = nil
			inv.VoidedAt = ptr(inv.Created.Add(time.Hour + 10*time.Microsecond))
			inv.Lines = inv.Lines[:1]
		})
		tx.commit(t)

		tx = begin(t, b.store)
		for _, want := range []billing.Invoice{open, draft, paid, void} {
			got, err := tx.Invoices.GetInvoice(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.NotNil(t, got.Lines)
		}
		items, _, err := tx.Invoices.ListInvoices(ctx, b.scope, billing.InvoiceFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Invoice{void, paid, draft, open}, items, "listed whole")
		tx.commit(t)
	})

	t.Run("UpdateWritesMutableFields", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		inv := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(inv *billing.Invoice) {
			inv.Number = ""
			inv.Status = billing.InvoiceDraft
			inv.AttemptCount = 0
			inv.NextAttemptAt = nil
			inv.FinalizedAt = nil
		})
		sibling := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		tx.commit(t)

		requireInvoice := func(msg string, want billing.Invoice) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := tx.Invoices.GetInvoice(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, msg)
			tx.commit(t)
		}

		// Finalized: draft → open.
		at := b.clock.next()
		u := inv
		u.Number = "PDS-0007"
		u.Status = billing.InvoiceOpen
		u.Lines = append(slices.Clone(inv.Lines), billing.InvoiceLine{
			ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineOneOff, Description: "Instalación",
			Quantity: 1, Amount: 15000, PeriodStart: at, PeriodEnd: at,
		})
		u.Subtotal = 24900
		u.Discount = 2490
		u.Tax = 4258
		u.StartingBalance = 250
		u.EndingBalance = -20
		u.TaxAmounts = []billing.TaxAmount{{TaxRate: billing.AppliedTaxRate{ID: "txr_iva", DisplayName: "IVA", Percentage: 190000, Inclusive: true}, Amount: 4258, TaxableAmount: 22410}}
		u.Total = 26668
		u.AmountDue = 26668
		u.AmountPaid = 0
		u.AttemptCount = 1
		u.NextAttemptAt = ptr(at.Add(24*time.Hour + time.Microsecond))
		u.FinalizedAt = ptr(at.Add(2 * time.Microsecond))
		u.Updated = at
		want := u
		// Immutable: the store must ignore these.
		u.CustomerID = otherCus.ID
		u.SubscriptionID = billing.NewID(billing.PrefixSubscription, at)
		u.BillingReason = billing.ReasonManual
		u.Currency = "USD"
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Invoices.UpdateInvoice(ctx, u))
		tx.commit(t)
		requireInvoice("finalized", want)

		// Paid: open → paid, the retry time cleared.
		u = want
		u.Status = billing.InvoicePaid
		u.AmountPaid = u.AmountDue
		u.AttemptCount = 2
		u.NextAttemptAt = nil
		u.PaidAt = ptr(b.clock.next())
		u.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Invoices.UpdateInvoice(ctx, u))
		tx.commit(t)
		requireInvoice("paid", u)

		// Every remaining status and time.
		u.Status = billing.InvoiceUncollectible
		u.Lines = []billing.InvoiceLine{}
		u.PaidAt = nil
		u.VoidedAt = ptr(b.clock.next())
		u.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Invoices.UpdateInvoice(ctx, u))
		tx.commit(t)
		requireInvoice("uncollectible", u)

		requireInvoice("updating one invoice leaves the others alone", sibling)
	})

	t.Run("SubscriptionPeriodUnique", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		subID := billing.NewID(billing.PrefixSubscription, b.clock.next())
		periodStart := b.clock.next()
		forPeriod := func(reason string, start time.Time) func(*billing.Invoice) {
			return func(inv *billing.Invoice) {
				inv.SubscriptionID = subID
				inv.PeriodStart = start
				inv.BillingReason = reason
				inv.Number = ""
				inv.Status = billing.InvoiceDraft
			}
		}
		newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), forPeriod(billing.ReasonSubscriptionCreate, periodStart))
		tx.commit(t)

		for _, reason := range []string{billing.ReasonSubscriptionCreate, billing.ReasonSubscriptionCycle} {
			tx = begin(t, b.store)
			dup := buildInvoice(b.scope, cus.ID, b.clock.next())
			forPeriod(reason, periodStart)(&dup)
			requireUniqueViolation(t, tx.Invoices.CreateInvoice(ctx, dup), "invoices_subscription_period_key")
			tx.rollback(t)
		}

		// Proration and manual invoices may share the period, any number of
		// times; other periods and subscriptions are free.
		tx = begin(t, b.store)
		for _, reason := range []string{billing.ReasonSubscriptionUpdate, billing.ReasonSubscriptionUpdate, billing.ReasonManual, billing.ReasonManual} {
			newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), forPeriod(reason, periodStart))
		}
		next := newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), forPeriod(billing.ReasonSubscriptionCycle, periodStart.Add(time.Microsecond)))
		newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), forPeriod(billing.ReasonSubscriptionCycle, periodStart), func(inv *billing.Invoice) {
			inv.SubscriptionID = billing.NewID(billing.PrefixSubscription, b.clock.next())
		})
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildInvoice(b.scope, cus.ID, b.clock.next())
		forPeriod(billing.ReasonSubscriptionCycle, next.PeriodStart)(&dup)
		requireUniqueViolation(t, tx.Invoices.CreateInvoice(ctx, dup), "invoices_subscription_period_key")
		tx.rollback(t)
	})

	t.Run("NumberUniquePerScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		number := func(n string) func(*billing.Invoice) {
			return func(inv *billing.Invoice) { inv.Number = n }
		}

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), number("PDS-0001"))
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildInvoice(b.scope, cus.ID, b.clock.next())
		number("PDS-0001")(&dup)
		requireUniqueViolation(t, tx.Invoices.CreateInvoice(ctx, dup), "invoices_number_key")
		tx.rollback(t)

		// The same number in another mode or merchant is fine; any number
		// of invoices may have none.
		tx = begin(t, b.store)
		for _, s := range []billing.Scope{b.live, b.other} {
			c := newCustomer(t, tx.Tx, s, b.clock.next())
			newInvoice(t, tx.Tx, s, c.ID, b.clock.next(), number("PDS-0001"))
		}
		var drafts []billing.Invoice
		for range 3 {
			drafts = append(drafts, newInvoice(t, tx.Tx, b.scope, cus.ID, b.clock.next(), number("")))
		}
		tx.commit(t)

		tx = begin(t, b.store)
		taken := drafts[0]
		taken.Number = "PDS-0001"
		requireUniqueViolation(t, tx.Invoices.UpdateInvoice(ctx, taken), "invoices_number_key")
		tx.rollback(t)

		tx = begin(t, b.store)
		free := drafts[0]
		free.Number = "PDS-0002"
		require.NoError(t, tx.Invoices.UpdateInvoice(ctx, free))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Invoices.GetInvoice(ctx, b.scope, free.ID)
		require.NoError(t, err)
		require.Equal(t, free, got)
		tx.commit(t)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		sub := func(id string) func(*billing.Invoice) {
			return func(inv *billing.Invoice) { inv.SubscriptionID = id }
		}
		status := func(st billing.InvoiceStatus) func(*billing.Invoice) {
			return func(inv *billing.Invoice) { inv.Status = st }
		}

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		liveCus := newCustomer(t, tx.Tx, b.live, b.clock.next())
		subA := billing.NewID(billing.PrefixSubscription, b.clock.next())
		subB := billing.NewID(billing.PrefixSubscription, b.clock.next())
		i1 := newInvoice(t, tx.Tx, b.scope, c1.ID, b.clock.next(), sub(subA), status(billing.InvoiceOpen))
		i2 := newInvoice(t, tx.Tx, b.scope, c1.ID, b.clock.next(), sub(subA), status(billing.InvoicePaid))
		i3 := newInvoice(t, tx.Tx, b.scope, c2.ID, b.clock.next(), sub(subB), status(billing.InvoiceOpen))
		i4 := newInvoice(t, tx.Tx, b.scope, c1.ID, b.clock.next(), sub(""), status(billing.InvoiceDraft), func(inv *billing.Invoice) {
			inv.BillingReason = billing.ReasonManual
			inv.Number = ""
		})
		i5 := newInvoice(t, tx.Tx, b.scope, c2.ID, b.clock.next(), sub(subB), status(billing.InvoiceVoid))
		liveSub := billing.NewID(billing.PrefixSubscription, b.clock.next())
		newInvoice(t, tx.Tx, b.live, liveCus.ID, b.clock.next(), sub(liveSub), status(billing.InvoiceOpen))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.InvoiceFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Invoice, bool, error) {
				return tx.Invoices.ListInvoices(ctx, b.scope, f, page)
			}, idOfInvoice)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.InvoiceFilter
			want   []billing.Invoice
		}{
			{"None", billing.InvoiceFilter{}, []billing.Invoice{i5, i4, i3, i2, i1}},
			{"CustomerID", billing.InvoiceFilter{CustomerID: c1.ID}, []billing.Invoice{i4, i2, i1}},
			{"CustomerIDOther", billing.InvoiceFilter{CustomerID: c2.ID}, []billing.Invoice{i5, i3}},
			{"CustomerIDOfAnotherScope", billing.InvoiceFilter{CustomerID: liveCus.ID}, nil},
			{"SubscriptionID", billing.InvoiceFilter{SubscriptionID: subA}, []billing.Invoice{i2, i1}},
			{"SubscriptionIDOther", billing.InvoiceFilter{SubscriptionID: subB}, []billing.Invoice{i5, i3}},
			{"SubscriptionIDOfAnotherScope", billing.InvoiceFilter{SubscriptionID: liveSub}, nil},
			{"Status", billing.InvoiceFilter{Status: billing.InvoiceOpen}, []billing.Invoice{i3, i1}},
			{"StatusDraft", billing.InvoiceFilter{Status: billing.InvoiceDraft}, []billing.Invoice{i4}},
			{"StatusNone", billing.InvoiceFilter{Status: billing.InvoiceUncollectible}, nil},
			{"Combined", billing.InvoiceFilter{CustomerID: c1.ID, SubscriptionID: subA, Status: billing.InvoiceOpen}, []billing.Invoice{i1}},
			{"CombinedOther", billing.InvoiceFilter{CustomerID: c2.ID, Status: billing.InvoiceVoid}, []billing.Invoice{i5}},
			{"CombinedEmpty", billing.InvoiceFilter{CustomerID: c2.ID, SubscriptionID: subA}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, idOfInvoice), list(tx.Tx, tc.filter))
		}

		items, _, err := tx.Invoices.ListInvoices(ctx, b.scope, billing.InvoiceFilter{Status: billing.InvoiceDraft}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Invoice{i4}, items, "filtered items come back whole")
		tx.commit(t)
	})

	t.Run("NextInvoiceNumber", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		next := func(tx billing.Tx, s billing.Scope, want int64) {
			t.Helper()
			n, err := tx.Invoices.NextInvoiceNumber(ctx, s)
			require.NoError(t, err)
			require.Equal(t, want, n, "next number in %+v", s)
		}

		tx := begin(t, b.store)
		next(tx.Tx, b.scope, 1)
		next(tx.Tx, b.scope, 2)
		tx.commit(t)

		tx = begin(t, b.store)
		next(tx.Tx, b.scope, 3)
		next(tx.Tx, b.live, 1)
		tx.commit(t)

		// A rolled-back transaction gives its numbers back.
		tx = begin(t, b.store)
		next(tx.Tx, b.scope, 4)
		next(tx.Tx, b.scope, 5)
		next(tx.Tx, b.other, 1)
		tx.rollback(t)

		tx = begin(t, b.store)
		next(tx.Tx, b.scope, 4)
		next(tx.Tx, b.other, 1)
		next(tx.Tx, b.live, 2)
		tx.commit(t)

		tx = begin(t, b.store)
		next(tx.Tx, b.scope, 5)
		next(tx.Tx, billing.Scope{MerchantID: b.merchantB.ID, Mode: billing.ModeLive}, 1)
		tx.commit(t)
	})
}

// buildInvoice returns an open cycle invoice with a number, awaiting its
// second attempt. Its subscription id and number are its own, so invoices
// built separately never collide.
func buildInvoice(s billing.Scope, customerID string, at time.Time) billing.Invoice {
	id := billing.NewID(billing.PrefixInvoice, at)
	start := at.Add(-30*24*time.Hour + 5*time.Microsecond)
	end := at.Add(5 * time.Microsecond)
	return billing.Invoice{
		ID:             id,
		Scope:          s,
		CustomerID:     customerID,
		SubscriptionID: billing.NewID(billing.PrefixSubscription, at),
		Number:         "PDS-" + strings.ToUpper(id[len(id)-8:]),
		Status:         billing.InvoiceOpen,
		BillingReason:  billing.ReasonSubscriptionCycle,
		Currency:       "CLP",
		PeriodStart:    start,
		PeriodEnd:      end,
		Lines: []billing.InvoiceLine{
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineSubscription, Description: "Plan Pro × 1",
				PriceID: "price_pro", Quantity: 1, Amount: 9900, PeriodStart: start, PeriodEnd: end},
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineProration, Description: "Tiempo no usado de Plan Básico",
				PriceID: "price_basic", Quantity: 1, Amount: -2450, PeriodStart: start.Add(time.Microsecond), PeriodEnd: end},
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineDiscount, Description: "Verano (12,5 %)",
				Quantity: 1, Amount: -931, PeriodStart: start, PeriodEnd: end},
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineTax, Description: "IVA 19 %",
				Quantity: 0, Amount: 1239, PeriodStart: start, PeriodEnd: end},
		},
		Subtotal:        7450,
		Discount:        931,
		Tax:             1239,
		Total:           7758,
		StartingBalance: -1000,
		EndingBalance:   0,
		AmountDue:       6758,
		AmountPaid:      0,
		AttemptCount:    1,
		NextAttemptAt:   ptr(at.Add(24*time.Hour + time.Microsecond)),
		FinalizedAt:     ptr(at.Add(2 * time.Microsecond)),
		Created:         at,
		Updated:         at.Add(90*time.Second + 7*time.Microsecond),
		TaxAmounts:      []billing.TaxAmount{{TaxRate: billing.AppliedTaxRate{ID: "txr_iva", DisplayName: "IVA", Percentage: 190000}, Amount: 1239, TaxableAmount: 6519}},
	}
}

func newInvoice(t *testing.T, tx billing.Tx, s billing.Scope, customerID string, at time.Time, mutate ...func(*billing.Invoice)) billing.Invoice {
	t.Helper()

	inv := buildInvoice(s, customerID, at)
	for _, m := range mutate {
		m(&inv)
	}
	require.NoError(t, tx.Invoices.CreateInvoice(t.Context(), inv))
	return inv
}
