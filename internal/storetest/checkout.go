package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseCheckout checks checkout sessions, portal sessions and
// publishable keys.
func exerciseCheckout(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CheckoutSessionRoundTripAndScope", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cs := buildCheckoutSession(b.scope, b.clock.next())
		require.NoError(t, tx.Checkout.CreateCheckoutSession(ctx, cs))
		trial := int64(0)
		setupMode := buildCheckoutSession(b.live, b.clock.next())
		setupMode.Mode, setupMode.LineItems, setupMode.TrialPeriodDays = billing.CheckoutModeSetup, []billing.CheckoutLineItem{}, &trial
		require.NoError(t, tx.Checkout.CreateCheckoutSession(ctx, setupMode))
		tx.commit(t)

		tx = begin(t, b.store)
		cs.Version, setupMode.Version = 1, 1
		for _, want := range []billing.CheckoutSession{cs, setupMode} {
			got, err := tx.Checkout.GetCheckoutSession(ctx, want.Scope, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got, "every field reads back, the secret hash too")
			got, err = tx.Checkout.GetCheckoutSessionByID(ctx, want.ID)
			require.NoError(t, err)
			require.Equal(t, want, got)
		}
		for _, s := range []billing.Scope{b.live, b.other} {
			_, err := tx.Checkout.GetCheckoutSession(ctx, s, cs.ID)
			require.ErrorIs(t, err, billing.ErrNotFound, "another scope's session is not found")
		}
		_, err := tx.Checkout.GetCheckoutSessionByID(ctx, "cs_test_nope")
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("CheckoutSessionUpdateChecksVersion", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cs := buildCheckoutSession(b.scope, b.clock.next())
		require.NoError(t, tx.Checkout.CreateCheckoutSession(ctx, cs))
		tx.commit(t)

		tx = begin(t, b.store)
		cur, err := tx.Checkout.GetCheckoutSession(ctx, b.scope, cs.ID)
		require.NoError(t, err)
		done := b.clock.next()
		next := cur
		next.Status, next.CustomerID, next.CustomerEmail = billing.CheckoutComplete, "cus_x", "rosa@example.cl"
		next.LineItems = []billing.CheckoutLineItem{{PriceID: "price_annual", Quantity: 2}}
		next.Gateway, next.PromotionCode, next.SetupID = billing.GatewayFlow, "VERANO", ""
		next.PaymentMethodID, next.SubscriptionID, next.FailureMessage = "pm_x", "sub_x", "tarjeta rechazada"
		next.CompletedAt, next.Updated = &done, done
		require.NoError(t, tx.Checkout.UpdateCheckoutSession(ctx, next))

		stale := cur
		stale.FailureMessage = "too late"
		require.ErrorIs(t, tx.Checkout.UpdateCheckoutSession(ctx, stale), billing.ErrVersionConflict, "a stale version is refused")
		other := cur
		other.Scope = b.other
		require.ErrorIs(t, tx.Checkout.UpdateCheckoutSession(ctx, other), billing.ErrNotFound, "another scope's session is not found")

		got, err := tx.Checkout.GetCheckoutSession(ctx, b.scope, cs.ID)
		require.NoError(t, err)
		next.Version = 2
		require.Equal(t, next, got)
		tx.commit(t)
	})

	t.Run("PortalSession", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		cus := newCustomer(t, tx.Tx, b.scope, b.clock.next())
		at := b.clock.next()
		p := billing.PortalSession{ID: billing.NewID(billing.PrefixPortalSession, at), Scope: b.scope, CustomerID: cus.ID,
			ReturnURL: "https://merchant.example/account", SecretHash: "ab12", ExpiresAt: at.Add(time.Hour), Created: at}
		require.NoError(t, tx.Checkout.CreatePortalSession(ctx, p))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Checkout.GetPortalSessionByID(ctx, p.ID)
		require.NoError(t, err)
		require.Equal(t, p, got)
		_, err = tx.Checkout.GetPortalSessionByID(ctx, "bps_nope")
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("PublishableKeys", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		var keys []billing.PublishableKey
		for i, s := range []billing.Scope{b.scope, b.scope, b.live, b.other} {
			at := b.clock.next()
			k := billing.PublishableKey{ID: billing.NewID(billing.PublishableKeyPrefix(s.Mode), at), Scope: s,
				FormSecret: "secret", Created: at}
			if i == 1 {
				k.SuccessURL, k.CancelURL = "https://merchant.example/ok", "https://merchant.example/pricing"
			}
			require.NoError(t, tx.Checkout.CreatePublishableKey(ctx, k))
			keys = append(keys, k)
		}
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Checkout.GetPublishableKey(ctx, keys[1].ID)
		require.NoError(t, err)
		require.Equal(t, keys[1], got)
		list, err := tx.Checkout.ListPublishableKeys(ctx, b.scope)
		require.NoError(t, err)
		require.Equal(t, []billing.PublishableKey{keys[1], keys[0]}, list, "the scope's keys, newest first")

		at := b.clock.next()
		require.NoError(t, tx.Checkout.RevokePublishableKey(ctx, b.scope, keys[0].ID, at))
		require.NoError(t, tx.Checkout.RevokePublishableKey(ctx, b.scope, keys[0].ID, at.Add(time.Hour)), "revoking twice keeps the first time")
		require.ErrorIs(t, tx.Checkout.RevokePublishableKey(ctx, b.other, keys[0].ID, at), billing.ErrNotFound)
		got, err = tx.Checkout.GetPublishableKey(ctx, keys[0].ID)
		require.NoError(t, err)
		require.NotNil(t, got.Revoked)
		require.Equal(t, at.UTC().Truncate(time.Microsecond), *got.Revoked)
		tx.commit(t)
	})
}

func buildCheckoutSession(s billing.Scope, at time.Time) billing.CheckoutSession {
	return billing.CheckoutSession{
		ID:    billing.NewID(billing.CheckoutSessionPrefix(s.Mode), at),
		Scope: s, Mode: billing.CheckoutModeSubscription, Status: billing.CheckoutOpen,
		CustomerEmail:       "ana@example.cl",
		LineItems:           []billing.CheckoutLineItem{{PriceID: "price_monthly", Quantity: 1}, {PriceID: "price_addon", Quantity: 3}},
		SuccessURL:          "https://merchant.example/ok",
		CancelURL:           "https://merchant.example/pricing",
		AllowPromotionCodes: true,
		Locale:              "es-CL",
		SecretHash:          "c0ffee",
		SetupID:             "pmsetup_x",
		PublishableKey:      "pk_test_x",
		ExpiresAt:           at.Add(24 * time.Hour),
		Created:             at,
		Updated:             at,
	}
}
