package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func exerciseMerchant(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetList", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		m := newMerchant(t, tx.Tx, b.clock.next())
		custom := buildMerchant(b.clock.next())
		custom.Settings = customMerchantSettings()
		require.NoError(t, tx.Merchants.CreateMerchant(ctx, custom))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Merchants.GetMerchant(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, m, got)

		got, err = tx.Merchants.GetMerchant(ctx, custom.ID)
		require.NoError(t, err)
		require.Equal(t, custom, got)

		gotA, err := tx.Merchants.GetMerchant(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, b.merchantA, gotA)

		all, err := tx.Merchants.ListMerchants(ctx)
		require.NoError(t, err)
		require.ElementsMatch(t, []billing.Merchant{b.merchantA, b.merchantB, m, custom}, all)
		tx.commit(t)
	})

	t.Run("GetUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		_, err := tx.Merchants.GetMerchant(t.Context(), billing.NewID(billing.PrefixMerchant, b.clock.next()))
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("CreatesAuditHead", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		m := newMerchant(t, tx.Tx, b.clock.next())
		// Within the creating transaction…
		seq, hash, err := tx.Audit.LockAuditHead(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		tx.commit(t)

		// …and after it.
		tx = begin(t, b.store)
		seq, hash, err = tx.Audit.LockAuditHead(ctx, m.ID)
		require.NoError(t, err)
		require.Equal(t, int64(0), seq)
		require.Empty(t, hash)
		tx.commit(t)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		dup := buildMerchant(b.clock.next())
		dup.ID = b.merchantA.ID
		requireUniqueViolation(t, tx.Merchants.CreateMerchant(t.Context(), dup), "merchants_pkey")
		tx.rollback(t)
	})
}

func exerciseAPIKey(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("CreateGetByIDAndHash", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		testKey := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		liveKey := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeLive, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		for _, k := range []billing.APIKey{testKey, liveKey} {
			got, err := tx.Merchants.GetAPIKey(ctx, k.ID)
			require.NoError(t, err)
			require.Equal(t, k, got)

			got, err = tx.Merchants.GetAPIKeyByHash(ctx, k.Hash)
			require.NoError(t, err)
			require.Equal(t, k, got)
		}
		tx.commit(t)
	})

	t.Run("GetUnknown", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		unknown := buildAPIKey(b.merchantA.ID, billing.ModeTest, b.clock.next())

		_, err := tx.Merchants.GetAPIKey(ctx, unknown.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.Merchants.GetAPIKeyByHash(ctx, unknown.Hash)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("ListOfMerchant", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		older := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeLive, b.clock.next())
		newer := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		newAPIKey(t, tx.Tx, b.merchantB.ID, billing.ModeTest, b.clock.next())
		used := b.clock.next()
		require.NoError(t, tx.Merchants.TouchAPIKey(ctx, newer.ID, used))
		require.NoError(t, tx.Merchants.RevokeAPIKey(ctx, older.ID, used))
		tx.commit(t)

		older.Revoked, newer.LastUsed = &used, &used
		tx = begin(t, b.store)
		got, err := tx.Merchants.ListAPIKeys(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.APIKey{older, newer}, got, "both modes, revoked included, oldest first, no other merchant's")
		none, err := tx.Merchants.ListAPIKeys(ctx, "mch_unknown")
		require.NoError(t, err)
		require.Empty(t, none)
		tx.commit(t)
	})

	t.Run("TouchSetsLastUsed", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		k := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		sibling := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		tx.commit(t)

		first := b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.TouchAPIKey(ctx, k.ID, first))
		tx.commit(t)

		want := k
		want.LastUsed = &first
		requireAPIKey(t, b.store, want)

		second := b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.TouchAPIKey(ctx, k.ID, second))
		tx.commit(t)

		want.LastUsed = &second
		requireAPIKey(t, b.store, want)
		requireAPIKey(t, b.store, sibling)
	})

	t.Run("RevokeSetsRevokedOnce", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		k := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		sibling := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		tx.commit(t)

		first := b.clock.next()
		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.RevokeAPIKey(ctx, k.ID, first))
		tx.commit(t)

		want := k
		want.Revoked = &first
		requireAPIKey(t, b.store, want)

		tx = begin(t, b.store)
		require.NoError(t, tx.Merchants.RevokeAPIKey(ctx, k.ID, b.clock.next()))
		tx.commit(t)

		requireAPIKey(t, b.store, want) // still the first time
		requireAPIKey(t, b.store, sibling)
	})

	t.Run("DuplicateHash", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		k := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		tx.commit(t)

		// The hash is unique across merchants and modes.
		tx = begin(t, b.store)
		dup := buildAPIKey(b.merchantB.ID, billing.ModeLive, b.clock.next())
		dup.Hash = k.Hash
		requireUniqueViolation(t, tx.Merchants.CreateAPIKey(t.Context(), dup), "api_keys_hash_key")
		tx.rollback(t)
	})

	t.Run("DuplicateID", func(t *testing.T) {
		t.Parallel()
		b := setup(t)

		tx := begin(t, b.store)
		k := newAPIKey(t, tx.Tx, b.merchantA.ID, billing.ModeTest, b.clock.next())
		tx.commit(t)

		tx = begin(t, b.store)
		dup := buildAPIKey(b.merchantA.ID, billing.ModeTest, b.clock.next())
		dup.ID = k.ID
		requireUniqueViolation(t, tx.Merchants.CreateAPIKey(t.Context(), dup), "api_keys_pkey")
		tx.rollback(t)
	})
}

// requireAPIKey checks that the store holds exactly want.
func requireAPIKey(t *testing.T, store Store, want billing.APIKey) {
	t.Helper()

	tx := begin(t, store)
	got, err := tx.Merchants.GetAPIKey(t.Context(), want.ID)
	require.NoError(t, err)
	require.Equal(t, want, got)
	tx.commit(t)
}

func buildMerchant(at time.Time) billing.Merchant {
	return billing.Merchant{
		ID:            billing.NewID(billing.PrefixMerchant, at),
		Name:          "Propiedades del Sur SpA",
		Timezone:      "America/Santiago",
		Locale:        "es-CL",
		InvoicePrefix: "PDS",
		Settings:      billing.DefaultMerchantSettings(),
		LinkKey:       "0123456789abcdef0123456789abcdef",
		Created:       at,
	}
}

func newMerchant(t *testing.T, tx billing.Tx, at time.Time) billing.Merchant {
	t.Helper()

	m := buildMerchant(at)
	require.NoError(t, tx.Merchants.CreateMerchant(t.Context(), m))
	return m
}

func buildAPIKey(merchantID string, mode billing.Mode, at time.Time) billing.APIKey {
	secret := "sk_" + string(mode) + "_" + billing.NewID("", at)
	sum := sha256.Sum256([]byte(secret))
	return billing.APIKey{
		ID:         billing.NewID(billing.PrefixAPIKey, at),
		MerchantID: merchantID,
		Mode:       mode,
		Hash:       hex.EncodeToString(sum[:]),
		Redacted:   "sk_" + string(mode) + "_…" + secret[len(secret)-4:],
		Created:    at,
	}
}

func newAPIKey(t *testing.T, tx billing.Tx, merchantID string, mode billing.Mode, at time.Time) billing.APIKey {
	t.Helper()

	k := buildAPIKey(merchantID, mode, at)
	require.NoError(t, tx.Merchants.CreateAPIKey(t.Context(), k))
	return k
}
