package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseMerchantSettings takes setup for the leaf that lists every
// merchant and shared for the others.
func exerciseMerchantSettings(t *testing.T, setup, shared setupFunc) {
	t.Helper()

	t.Run("NewMerchantHasDefaults", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		// app.CreateMerchant leaves Settings zero: such a merchant never
		// saved settings, so it has the defaults.
		bare := buildMerchant(b.clock.next())
		bare.Settings = billing.MerchantSettings{}
		require.NoError(t, tx.Merchants.CreateMerchant(ctx, bare))
		custom := buildMerchant(b.clock.next())
		custom.Settings = customMerchantSettings()
		require.NoError(t, tx.Merchants.CreateMerchant(ctx, custom))
		tx.commit(t)

		wantBare := bare
		wantBare.Settings = billing.DefaultMerchantSettings()

		tx = begin(t, b.store)
		got, err := tx.Merchants.GetMerchant(ctx, bare.ID)
		require.NoError(t, err)
		require.Equal(t, wantBare, got, "a merchant created without settings has DefaultMerchantSettings()")

		got, err = tx.Merchants.GetMerchant(ctx, custom.ID)
		require.NoError(t, err)
		require.Equal(t, custom, got, "settings given at creation are kept")

		all, err := tx.Merchants.ListMerchants(ctx)
		require.NoError(t, err)
		require.ElementsMatch(t, []billing.Merchant{b.merchantA, b.merchantB, wantBare, custom}, all)
		tx.commit(t)
	})

	t.Run("UpdateMerchant", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		u := b.merchantA
		// Mutable.
		u.Name = "Propiedades del Norte Ltda."
		u.Timezone = "America/Punta_Arenas"
		u.Locale = "en-US"
		u.InvoicePrefix = "PDN"
		u.Settings = customMerchantSettings()
		want := u
		// Immutable: the store must ignore it.
		u.Created = b.clock.next()

		tx := begin(t, b.store)
		require.NoError(t, tx.Merchants.UpdateMerchant(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Merchants.GetMerchant(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, want, got)
		got, err = tx.Merchants.GetMerchant(ctx, b.merchantB.ID)
		require.NoError(t, err)
		require.Equal(t, b.merchantB, got, "updating one merchant leaves the others alone")
		tx.commit(t)

		// Settings are written too: back to the defaults.
		u = want
		u.Settings = billing.DefaultMerchantSettings()
		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.UpdateMerchant(ctx, u))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err = tx.Merchants.GetMerchant(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, u, got)
		require.ErrorIs(t, tx.Merchants.UpdateMerchant(ctx, buildMerchant(b.clock.next())), billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("UpdateSettings", func(t *testing.T) {
		t.Parallel()
		b := shared(t)
		ctx := t.Context()

		requireSettings := func(msg string, wantA, wantB billing.MerchantSettings) {
			t.Helper()
			tx := begin(t, b.store)
			a, err := tx.Merchants.GetMerchant(ctx, b.merchantA.ID)
			require.NoError(t, err)
			want := b.merchantA
			want.Settings = wantA
			require.Equal(t, want, a, msg)
			other, err := tx.Merchants.GetMerchant(ctx, b.merchantB.ID)
			require.NoError(t, err)
			want = b.merchantB
			want.Settings = wantB
			require.Equal(t, want, other, msg+": the other merchant")
			tx.commit(t)
		}

		defaults := billing.DefaultMerchantSettings()
		requireSettings("before any update", defaults, defaults)

		tx := begin(t, b.store)
		require.NoError(t, tx.Merchants.UpdateMerchantSettings(ctx, b.merchantA.ID, customMerchantSettings()))
		tx.commit(t)
		requireSettings("after the first update", customMerchantSettings(), defaults)

		// Replaced whole: the schedule goes, exponential backoff comes.
		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.UpdateMerchantSettings(ctx, b.merchantA.ID, exponentialMerchantSettings()))
		tx.commit(t)
		requireSettings("after the second update", exponentialMerchantSettings(), defaults)

		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.UpdateMerchantSettings(ctx, b.merchantA.ID, customMerchantSettings()))
		tx.rollback(t)
		requireSettings("after a rolled-back update", exponentialMerchantSettings(), defaults)

		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.UpdateMerchantSettings(ctx, b.merchantA.ID, defaults))
		tx.commit(t)
		requireSettings("after going back to the defaults", defaults, defaults)

		tx = begin(t, b.store)
		err := tx.Merchants.UpdateMerchantSettings(ctx, billing.NewID(billing.PrefixMerchant, b.clock.next()), customMerchantSettings())
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.rollback(t)
	})
}

// customMerchantSettings are settings unlike the defaults in every field.
func customMerchantSettings() billing.MerchantSettings {
	return billing.MerchantSettings{
		Dunning: billing.DunningPolicy{
			Schedule:    []time.Duration{2 * time.Hour, 2 * 24 * time.Hour, 90*time.Minute + time.Second + 7},
			MaxAttempts: 3,
			FinalAction: billing.PolicyUnpaid,
		},
		Transition: billing.TransitionPolicy{
			TrialEndNoPaymentMethod: billing.PolicyPause,
			RetriesExhausted:        billing.PolicyUnpaid,
			SystemFailure:           billing.PolicyCancel,
		},
	}
}

// exponentialMerchantSettings use exponential backoff instead of a schedule.
func exponentialMerchantSettings() billing.MerchantSettings {
	return billing.MerchantSettings{
		Dunning: billing.DunningPolicy{
			Exponential: &billing.ExponentialBackoff{Base: 6 * time.Hour, Factor: 3, Cap: 72 * time.Hour},
			MaxAttempts: 8,
			FinalAction: billing.PolicyLeavePastDue,
		},
		Transition: billing.TransitionPolicy{
			TrialEndNoPaymentMethod: billing.PolicyCancel,
			RetriesExhausted:        billing.PolicyLeavePastDue,
			SystemFailure:           billing.PolicyPastDue,
		},
	}
}
