package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func subscriptionKind() kind[billing.Subscription] {
	return kind[billing.Subscription]{
		table: "subscriptions",
		build: func(t *testing.T, tx billing.Tx, s billing.Scope, at time.Time) billing.Subscription {
			t.Helper()
			c := newCustomer(t, tx, s, at)
			return buildSubscription(s, c.ID, at)
		},
		get: func(tx billing.Tx, ctx context.Context, s billing.Scope, id string) (billing.Subscription, error) {
			return tx.Subscriptions.GetSubscription(ctx, s, id)
		},
		id: idOfSubscription,
		insert: func(tx billing.Tx, ctx context.Context, sub billing.Subscription) error {
			return tx.Subscriptions.CreateSubscription(ctx, sub)
		},
		list: func(tx billing.Tx, ctx context.Context, s billing.Scope, page billing.Page) ([]billing.Subscription, bool, error) {
			return tx.Subscriptions.ListSubscriptions(ctx, s, billing.SubscriptionFilter{}, page)
		},
		setID:    func(v *billing.Subscription, id string) { v.ID = id },
		setScope: func(v *billing.Subscription, s billing.Scope) { v.Scope = s },
		touch: func(v *billing.Subscription) {
			v.Status = billing.SubscriptionPastDue
			v.Metadata = billing.Metadata{"touched": "yes"}
			v.Updated = v.Updated.Add(time.Hour)
		},
		update: func(tx billing.Tx, ctx context.Context, sub billing.Subscription) error {
			return tx.Subscriptions.UpdateSubscription(ctx, sub)
		},
	}
}

// exerciseSubscription takes setup for the leaf that sweeps every merchant's
// due subscriptions and shared for the others.
func exerciseSubscription(t *testing.T, setup, shared setupFunc) {
	t.Helper()

	t.Run("RoundTripsVariants", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		clock := newBillingTestClock(t, tx.Tx, b.scope, b.clock.next())
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.TestClockID = clock.ID })
		at := b.clock.next()
		full := buildSubscription(b.scope, cus.ID, at)
		full.Version = 0 // CreateSubscription stores 1 whatever it is given
		full.TestClockID = clock.ID
		full.Status = billing.SubscriptionTrialing
		full.Items = []billing.SubscriptionItem{
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_pro", ProductID: "prod_pro", ProductName: "Agente Pro «ñ»", Quantity: 3, UnitAmount: 9_007_199_254_740_993},
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_addon", ProductID: "prod_addon", Quantity: 0, UnitAmount: 0},
		}
		full.Currency = "USD"
		full.Recurring = billing.Recurring{Interval: billing.IntervalWeek, IntervalCount: 2}
		full.CycleIndex = 0
		full.TrialStart = ptr(at.Add(-24*time.Hour + 1*time.Microsecond))
		full.TrialEnd = ptr(at.Add(13*24*time.Hour + 2*time.Microsecond))
		full.TrialWillEndSent = true
		full.CancelAtPeriodEnd = true
		full.CancelAt = ptr(at.Add(40*24*time.Hour + 3*time.Microsecond))
		full.CanceledAt = ptr(at.Add(4 * time.Microsecond))
		full.CancellationReason = billing.CancelRequestedByCustomer
		full.CancellationFeedback, full.CancellationComment = billing.FeedbackTooExpensive, "Demasiado caro para nosotros"
		full.EndedAt = ptr(at.Add(41*24*time.Hour + 5*time.Microsecond))
		full.MaxCycles = 12
		full.EndDate = ptr(at.Add(365*24*time.Hour + 6*time.Microsecond))
		full.PendingChange = &billing.PendingChange{
			Items: []billing.SubscriptionItem{
				{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_basic", ProductID: "prod_basic", Quantity: 1, UnitAmount: 4900},
			},
			EffectiveAt: at.Add(14*24*time.Hour + 7*time.Microsecond),
		}
		full.PendingLines = []billing.InvoiceLine{
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineProration, Description: "Tiempo restante de Plan Pro",
				PriceID: "price_pro", Quantity: 3, Amount: 4567, PeriodStart: at.Add(20 * time.Microsecond), PeriodEnd: at.Add(7*24*time.Hour + 21*time.Microsecond)},
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineProration, Description: "Tiempo no usado de Plan Básico",
				Quantity: 1, Amount: -1234, PeriodStart: at.Add(20 * time.Microsecond), PeriodEnd: at.Add(7*24*time.Hour + 21*time.Microsecond)},
		}
		full.CouponID = billing.NewID(billing.PrefixCoupon, at)
		full.DiscountEnd = ptr(at.Add(90*24*time.Hour + 8*time.Microsecond))
		full.DiscountUsed = true
		full.NextActionAt = ptr(at.Add(13*24*time.Hour + 2*time.Microsecond))
		full.Metadata = billing.Metadata{"nota": "cliente con ñ y emoji 🙂", "empty": ""}

		bare := buildSubscription(b.scope, cus.ID, b.clock.next())
		bare.Version = 7
		bare.Status = billing.SubscriptionIncomplete
		bare.PaymentMethodID = ""
		bare.TrialStart = nil
		bare.TrialEnd = nil
		bare.CancelAt = nil
		bare.CanceledAt = nil
		bare.EndedAt = nil
		bare.EndDate = nil
		bare.PendingChange = nil
		bare.PendingLines = nil // none waiting: reads back empty, like the other lists
		bare.CouponID = ""
		bare.DiscountEnd = nil
		bare.NextActionAt = nil
		bare.Metadata = billing.Metadata{}

		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, full))
		require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, bare))
		tx.commit(t)

		full.Version = 1
		bare.Version = 1
		bare.PendingLines = []billing.InvoiceLine{}

		tx = begin(t, b.store)
		for _, want := range []billing.Subscription{full, bare} {
			got, err := tx.Subscriptions.GetSubscription(ctx, b.scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.NotNil(t, got.Metadata)
		}
		got, err := tx.Subscriptions.GetSubscription(ctx, b.scope, bare.ID)
		require.NoError(t, err)
		require.Nil(t, got.PendingChange)
		require.NotNil(t, got.PendingLines)
		require.Nil(t, got.NextActionAt)

		items, more, err := tx.Subscriptions.ListSubscriptions(ctx, b.scope, billing.SubscriptionFilter{}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []billing.Subscription{bare, full}, items, "listed whole")
		tx.commit(t)
	})

	t.Run("UpdateVersioning", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		otherCus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		sub := newSubscription(t, tx.Tx, b.scope, cus.ID, b.clock.next(), func(s *billing.Subscription) {
			s.Status = billing.SubscriptionTrialing
			s.CycleIndex = 0
			s.TrialStart = ptr(s.Created.Add(time.Microsecond))
			s.TrialEnd = ptr(s.Created.Add(14*24*time.Hour + time.Microsecond))
			s.NextActionAt = s.TrialEnd
		})
		sibling := newSubscription(t, tx.Tx, b.scope, cus.ID, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Subscriptions.GetSubscription(ctx, b.scope, sub.ID)
		require.NoError(t, err)
		require.Equal(t, int64(1), got.Version, "a new subscription has version 1")
		require.Equal(t, sub, got)
		tx.commit(t)

		// Every mutable field changes: nullable times nil → set and set →
		// nil, the pending change nil → set.
		at := b.clock.next()
		u := sub
		u.Status = billing.SubscriptionPastDue
		u.Items = []billing.SubscriptionItem{
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_pro", ProductID: "prod_pro", Quantity: 2, UnitAmount: 19900},
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_seat", ProductID: "prod_seat", Quantity: 10, UnitAmount: 1500},
		}
		u.Currency = "USD"
		u.Recurring = billing.Recurring{Interval: billing.IntervalYear, IntervalCount: 1}
		u.PaymentMethodID = billing.NewID(billing.PrefixPaymentMethod, at)
		u.BillingAnchor = at.Add(11 * time.Microsecond)
		u.CycleIndex = 2
		u.CurrentPeriodStart = at.Add(12 * time.Microsecond)
		u.CurrentPeriodEnd = at.Add(365*24*time.Hour + 13*time.Microsecond)
		u.TrialStart = nil
		u.TrialEnd = nil
		u.TrialWillEndSent = true
		u.CancelAtPeriodEnd = true
		u.CancelAt = ptr(at.Add(30*24*time.Hour + 14*time.Microsecond))
		u.CanceledAt = ptr(at.Add(15 * time.Microsecond))
		u.CancellationReason = billing.CancelRequestedByMerchant
		u.CancellationFeedback, u.CancellationComment = billing.FeedbackSwitchedService, "Nos cambiamos a otro servicio"
		u.EndedAt = ptr(at.Add(30*24*time.Hour + 16*time.Microsecond))
		u.MaxCycles = 24
		u.EndDate = ptr(at.Add(700*24*time.Hour + 17*time.Microsecond))
		u.PendingChange = &billing.PendingChange{
			Items:       []billing.SubscriptionItem{{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_basic", ProductID: "prod_basic", Quantity: 1, UnitAmount: 4900}},
			EffectiveAt: at.Add(365*24*time.Hour + 13*time.Microsecond),
		}
		u.PendingLines = []billing.InvoiceLine{
			{ID: billing.NewID(billing.PrefixInvoiceLine, at), Type: billing.LineProration, Description: "Plan Pro × 2, resto del período",
				PriceID: "price_pro", Quantity: 2, Amount: 12345, PeriodStart: at.Add(20 * time.Microsecond), PeriodEnd: at.Add(30*24*time.Hour + 21*time.Microsecond)},
		}
		u.CouponID = billing.NewID(billing.PrefixCoupon, at)
		u.DiscountEnd = ptr(at.Add(60*24*time.Hour + 18*time.Microsecond))
		u.DiscountUsed = true
		u.NextActionAt = ptr(at.Add(24*time.Hour + 19*time.Microsecond))
		u.Metadata = billing.Metadata{"upgraded": "yes"}
		u.Updated = at
		want := u
		want.Version = 2
		// Immutable: the store must ignore these.
		u.CustomerID = otherCus.ID
		u.TestClockID = billing.NewID(billing.PrefixTestClock, at)
		u.Created = b.clock.next()

		tx = begin(t, b.store)
		require.NoError(t, tx.Subscriptions.UpdateSubscription(ctx, u)) // u.Version is 1
		tx.commit(t)

		requireSubscription := func(msg string, want billing.Subscription) {
			t.Helper()
			tx := begin(t, b.store)
			got, err := tx.Subscriptions.GetSubscription(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, msg)
			tx.commit(t)
		}
		requireSubscription("after the first update", want)

		// Another update still carrying version 1 lost the race.
		stale := u
		stale.Status = billing.SubscriptionCanceled
		stale.Updated = b.clock.next()
		tx = begin(t, b.store)
		err = tx.Subscriptions.UpdateSubscription(ctx, stale)
		require.ErrorIs(t, err, billing.ErrVersionConflict)
		require.NotErrorIs(t, err, billing.ErrNotFound)
		tx.rollback(t)
		requireSubscription("a conflicting update changes nothing", want)

		// Updates carrying the current version succeed, several in one
		// transaction too; set → nil this time.
		u2 := want
		u2.PendingChange = nil
		u2.NextActionAt = nil
		u2.CancelAt = nil
		u2.PendingLines = nil // none waiting: reads back empty
		u2.Status = billing.SubscriptionActive
		u2.Updated = b.clock.next()
		u3 := u2
		u3.Version = 3
		u3.Status = billing.SubscriptionCanceled
		u3.Metadata = billing.Metadata{}
		u3.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Subscriptions.UpdateSubscription(ctx, u2))
		got, err = tx.Subscriptions.GetSubscription(ctx, b.scope, sub.ID)
		require.NoError(t, err)
		require.Equal(t, int64(3), got.Version, "the new version is visible in the transaction")
		require.ErrorIs(t, tx.Subscriptions.UpdateSubscription(ctx, u2), billing.ErrVersionConflict, "version 2 is already taken")
		require.NoError(t, tx.Subscriptions.UpdateSubscription(ctx, u3))
		tx.commit(t)

		want = u3
		want.Version = 4
		want.PendingLines = []billing.InvoiceLine{}
		requireSubscription("after two updates in one transaction", want)

		tx = begin(t, b.store)
		missing := buildSubscription(b.scope, cus.ID, b.clock.next())
		err = tx.Subscriptions.UpdateSubscription(ctx, missing)
		require.ErrorIs(t, err, billing.ErrNotFound)
		require.NotErrorIs(t, err, billing.ErrVersionConflict)
		// Another scope's view of the row is not found, whatever the version.
		for _, s := range []billing.Scope{b.live, b.other} {
			moved := want
			moved.Scope = s
			for _, v := range []int64{3, 4} {
				moved.Version = v
				err := tx.Subscriptions.UpdateSubscription(ctx, moved)
				require.ErrorIs(t, err, billing.ErrNotFound, "update in scope %+v at version %d", s, v)
				require.NotErrorIs(t, err, billing.ErrVersionConflict)
			}
		}
		tx.commit(t)

		requireSubscription("failed updates change nothing", want)
		requireSubscription("updating one subscription leaves the others alone", sibling)
	})

	t.Run("ListFilters", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		prices := func(ids ...string) func(*billing.Subscription) {
			return func(s *billing.Subscription) {
				s.Items = nil
				for i, id := range ids {
					s.Items = append(s.Items, billing.SubscriptionItem{
						ID: s.ID + "_" + string(rune('a'+i)), PriceID: id, ProductID: "prod_x", Quantity: 1, UnitAmount: 1000,
					})
				}
			}
		}
		status := func(st billing.SubscriptionStatus) func(*billing.Subscription) {
			return func(s *billing.Subscription) { s.Status = st }
		}

		tx := begin(t, b.store)
		c1 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		c2 := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		liveCus := newCustomer(t, tx.Tx, b.live, b.clock.next())
		s1 := newSubscription(t, tx.Tx, b.scope, c1.ID, b.clock.next(), status(billing.SubscriptionActive), prices("price_a"))
		s2 := newSubscription(t, tx.Tx, b.scope, c1.ID, b.clock.next(), status(billing.SubscriptionTrialing), prices("price_ab"))
		s3 := newSubscription(t, tx.Tx, b.scope, c2.ID, b.clock.next(), status(billing.SubscriptionActive), prices("price_b", "price_a"))
		// Would match "price_a" if "_" were a LIKE wildcard.
		s4 := newSubscription(t, tx.Tx, b.scope, c2.ID, b.clock.next(), status(billing.SubscriptionCanceled), prices("pricexa"))
		// Would match "price_a" if the comparison ignored case.
		s5 := newSubscription(t, tx.Tx, b.scope, c1.ID, b.clock.next(), status(billing.SubscriptionActive), prices("PRICE_A"))
		// The same price and status elsewhere: never listed.
		newSubscription(t, tx.Tx, b.live, liveCus.ID, b.clock.next(), status(billing.SubscriptionActive), prices("price_a"))
		tx.commit(t)

		list := func(tx billing.Tx, f billing.SubscriptionFilter) func(billing.Page) ([]string, bool, error) {
			return pageIDs(func(page billing.Page) ([]billing.Subscription, bool, error) {
				return tx.Subscriptions.ListSubscriptions(ctx, b.scope, f, page)
			}, idOfSubscription)
		}

		tx = begin(t, b.store)
		for _, tc := range []struct {
			name   string
			filter billing.SubscriptionFilter
			want   []billing.Subscription
		}{
			{"None", billing.SubscriptionFilter{}, []billing.Subscription{s5, s4, s3, s2, s1}},
			{"CustomerID", billing.SubscriptionFilter{CustomerID: c1.ID}, []billing.Subscription{s5, s2, s1}},
			{"CustomerIDOther", billing.SubscriptionFilter{CustomerID: c2.ID}, []billing.Subscription{s4, s3}},
			{"CustomerIDOfAnotherScope", billing.SubscriptionFilter{CustomerID: liveCus.ID}, nil},
			{"Status", billing.SubscriptionFilter{Status: billing.SubscriptionActive}, []billing.Subscription{s5, s3, s1}},
			{"StatusOther", billing.SubscriptionFilter{Status: billing.SubscriptionTrialing}, []billing.Subscription{s2}},
			{"StatusNone", billing.SubscriptionFilter{Status: billing.SubscriptionPaused}, nil},
			{"StatusAndPrice", billing.SubscriptionFilter{Status: billing.SubscriptionActive, PriceID: "price_a"}, []billing.Subscription{s3, s1}},
			{"StatusAndPriceNone", billing.SubscriptionFilter{Status: billing.SubscriptionTrialing, PriceID: "price_a"}, nil},
			{"PriceID", billing.SubscriptionFilter{PriceID: "price_a"}, []billing.Subscription{s3, s1}},
			{"PriceIDLonger", billing.SubscriptionFilter{PriceID: "price_ab"}, []billing.Subscription{s2}},
			{"PriceIDFirstOfTwo", billing.SubscriptionFilter{PriceID: "price_b"}, []billing.Subscription{s3}},
			{"PriceIDPrefix", billing.SubscriptionFilter{PriceID: "price"}, nil},
			{"PriceIDSuffix", billing.SubscriptionFilter{PriceID: "rice_a"}, nil},
			{"PriceIDPercent", billing.SubscriptionFilter{PriceID: "price_%"}, nil},
			{"PriceIDUnderscoreLiteral", billing.SubscriptionFilter{PriceID: "pricexa"}, []billing.Subscription{s4}},
			{"PriceIDCase", billing.SubscriptionFilter{PriceID: "PRICE_A"}, []billing.Subscription{s5}},
			{"PriceIDTwoItems", billing.SubscriptionFilter{PriceID: "price_b,price_a"}, nil},
			{"Combined", billing.SubscriptionFilter{CustomerID: c1.ID, Status: billing.SubscriptionActive, PriceID: "price_a"}, []billing.Subscription{s1}},
			{"CombinedOther", billing.SubscriptionFilter{CustomerID: c2.ID, PriceID: "price_a"}, []billing.Subscription{s3}},
			{"CombinedEmpty", billing.SubscriptionFilter{CustomerID: c2.ID, Status: billing.SubscriptionActive, PriceID: "price_ab"}, nil},
		} {
			t.Logf("filter %s", tc.name)
			requireList(t, idsOf(tc.want, idOfSubscription), list(tx.Tx, tc.filter))
		}

		items, _, err := tx.Subscriptions.ListSubscriptions(ctx, b.scope, billing.SubscriptionFilter{PriceID: "price_ab"}, billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{s2}, items, "filtered items come back whole")
		tx.commit(t)

		// The price filter follows the items an update writes.
		u := s2
		prices("price_c", "price_a")(&u)
		u.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Subscriptions.UpdateSubscription(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		requireList(t, []string{}, list(tx.Tx, billing.SubscriptionFilter{PriceID: "price_ab"}))
		requireList(t, []string{s2.ID}, list(tx.Tx, billing.SubscriptionFilter{PriceID: "price_c"}))
		requireList(t, []string{s3.ID, s2.ID, s1.ID}, list(tx.Tx, billing.SubscriptionFilter{PriceID: "price_a"}))
		tx.commit(t)
	})

	t.Run("DueSubscriptions", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		clock := newBillingTestClock(t, tx.Tx, b.scope, b.clock.next())
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		clockCus := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.TestClockID = clock.ID })
		liveCus := newCustomer(t, tx.Tx, b.live, b.clock.next())
		otherCus := newCustomer(t, tx.Tx, b.other, b.clock.next())
		tx.commit(t)

		now := b.clock.next()
		due := func(d time.Duration) func(*billing.Subscription) {
			return func(s *billing.Subscription) { s.NextActionAt = ptr(now.Add(d)) }
		}
		never := func(s *billing.Subscription) { s.NextActionAt = nil }
		onClock := func(s *billing.Subscription) { s.TestClockID = clock.ID }
		build := func(s billing.Scope, customerID string, mutate ...func(*billing.Subscription)) billing.Subscription {
			sub := buildSubscription(s, customerID, b.clock.next())
			for _, m := range mutate {
				m(&sub)
			}
			return sub
		}

		// Built in id order; the due ones are due in another order.
		late := build(b.scope, cus.ID, due(0))                                    // exactly at now
		tieFirst := build(b.scope, cus.ID, due(-time.Minute))                     // same time as tieSecond,
		tieSecond := build(b.other, otherCus.ID, due(-time.Minute))               // of another merchant
		live := build(b.live, liveCus.ID, due(-30*time.Second))                   // live mode
		oldest := build(b.scope, cus.ID, due(-40*24*time.Hour))                   // long overdue
		notYet := build(b.scope, cus.ID, due(time.Microsecond))                   // just after now
		idle := build(b.other, otherCus.ID, never)                                // nothing due
		clockDue := build(b.scope, clockCus.ID, onClock, due(-time.Hour))         // due, but on a clock
		clockLater := build(b.scope, clockCus.ID, onClock, due(10*time.Minute))   // on a clock, later
		clockIdle := build(b.scope, clockCus.ID, onClock, never)                  // on a clock, nothing due
		clockEarly := build(b.scope, clockCus.ID, onClock, due(-30*24*time.Hour)) // on a clock, long due

		tx = begin(t, b.store)
		for _, sub := range []billing.Subscription{clockIdle, tieSecond, notYet, live, clockLater, late, idle, oldest, clockDue, tieFirst, clockEarly} {
			require.NoError(t, tx.Subscriptions.CreateSubscription(ctx, sub))
		}
		tx.commit(t)

		tx = begin(t, b.store)
		wantReal := []billing.Subscription{oldest, tieFirst, tieSecond, live, late}
		got, err := tx.Subscriptions.DueSubscriptions(ctx, "", now, 100)
		require.NoError(t, err)
		require.Equal(t, wantReal, got, "real time: every merchant and mode, earliest first, then by id, whole")

		got, err = tx.Subscriptions.DueSubscriptions(ctx, "", now.In(time.FixedZone("CLT", -3*60*60)), 100)
		require.NoError(t, err)
		require.Equal(t, wantReal, got, "t is compared as an instant, whatever its zone")

		for _, limit := range []int{1, 3, 5} {
			got, err = tx.Subscriptions.DueSubscriptions(ctx, "", now, limit)
			require.NoError(t, err)
			require.Equal(t, wantReal[:limit], got, "limit %d", limit)
		}

		got, err = tx.Subscriptions.DueSubscriptions(ctx, "", now.Add(-time.Microsecond), 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{oldest, tieFirst, tieSecond, live}, got, "a microsecond earlier")

		got, err = tx.Subscriptions.DueSubscriptions(ctx, "", oldest.NextActionAt.Add(-time.Microsecond), 100)
		require.NoError(t, err)
		require.Empty(t, got, "before anything is due")

		got, err = tx.Subscriptions.DueSubscriptions(ctx, "", now.Add(100*365*24*time.Hour), 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{oldest, tieFirst, tieSecond, live, late, notYet}, got, "far future: never nil NextActionAt, never clock subscriptions")

		got, err = tx.Subscriptions.DueSubscriptions(ctx, clock.ID, now, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{clockEarly, clockDue}, got, "on the clock")

		got, err = tx.Subscriptions.DueSubscriptions(ctx, clock.ID, now.Add(10*time.Minute), 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{clockEarly, clockDue, clockLater}, got, "on the clock, later")

		got, err = tx.Subscriptions.DueSubscriptions(ctx, clock.ID, now.Add(10*time.Minute), 2)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{clockEarly, clockDue}, got, "on the clock, limit 2")

		got, err = tx.Subscriptions.DueSubscriptions(ctx, billing.NewID(billing.PrefixTestClock, b.clock.next()), now.Add(100*365*24*time.Hour), 100)
		require.NoError(t, err)
		require.Empty(t, got, "an unknown clock")
		tx.commit(t)

		// An update that clears NextActionAt takes a subscription out; one
		// that sets it brings it in.
		u := tieFirst
		u.NextActionAt = nil
		u.Updated = b.clock.next()
		v := idle
		v.NextActionAt = ptr(now.Add(-2 * time.Minute))
		v.Updated = b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Subscriptions.UpdateSubscription(ctx, u))
		require.NoError(t, tx.Subscriptions.UpdateSubscription(ctx, v))
		tx.commit(t)

		v.Version = 2
		tx = begin(t, b.store)
		got, err = tx.Subscriptions.DueSubscriptions(ctx, "", now, 100)
		require.NoError(t, err)
		require.Equal(t, []billing.Subscription{oldest, v, tieSecond, live, late}, got, "after updates")
		tx.commit(t)
	})
}

// buildSubscription returns an active monthly subscription in its first
// period, at version 1 (what the store gives back after creating it).
func buildSubscription(s billing.Scope, customerID string, at time.Time) billing.Subscription {
	anchor := at.Add(-10*24*time.Hour + 3*time.Microsecond)
	end := anchor.AddDate(0, 1, 0)
	return billing.Subscription{
		ID:         billing.NewID(billing.PrefixSubscription, at),
		Scope:      s,
		Version:    1,
		CustomerID: customerID,
		Status:     billing.SubscriptionActive,
		Items: []billing.SubscriptionItem{
			{ID: billing.NewID(billing.PrefixSubItem, at), PriceID: "price_basic", ProductID: "prod_basic", Quantity: 1, UnitAmount: 9900,
				TaxRates: []billing.AppliedTaxRate{billing.AppliedTaxRate{ID: "txr_iva", DisplayName: "IVA", Percentage: 190000}}},
		},
		DefaultTaxRates:    []string{"txr_iva"},
		Currency:           "CLP",
		Recurring:          billing.Recurring{Interval: billing.IntervalMonth, IntervalCount: 1},
		PaymentMethodID:    billing.NewID(billing.PrefixPaymentMethod, at),
		BillingAnchor:      anchor,
		CycleIndex:         1,
		CurrentPeriodStart: anchor,
		CurrentPeriodEnd:   end,
		NextActionAt:       ptr(end),
		PendingLines:       []billing.InvoiceLine{},
		Metadata:           billing.Metadata{"plan": "basic"},
		Created:            at,
		Updated:            at.Add(90*time.Second + 7*time.Microsecond),
	}
}

func newSubscription(t *testing.T, tx billing.Tx, s billing.Scope, customerID string, at time.Time, mutate ...func(*billing.Subscription)) billing.Subscription {
	t.Helper()

	sub := buildSubscription(s, customerID, at)
	for _, m := range mutate {
		m(&sub)
	}
	require.NoError(t, tx.Subscriptions.CreateSubscription(t.Context(), sub))
	return sub
}
