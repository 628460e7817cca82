package storetest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

func exerciseTrial(t *testing.T, setup setupFunc) {
	t.Helper()

	t.Run("ClaimAndRelease", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		sub := func() string { return billing.NewID(billing.PrefixSubscription, b.clock.next()) }
		sub1, sub2, sub3, sub4 := sub(), sub(), sub(), sub()

		type claim struct {
			scope          billing.Scope
			kind, value    string
			subscriptionID string
		}
		claimAll := func(msg string, claims ...claim) {
			t.Helper()
			tx := begin(t, b.store)
			for _, c := range claims {
				require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, c.scope, c.kind, c.value, c.subscriptionID), "%s: %+v", msg, c)
			}
			tx.commit(t)
		}
		requireTaken := func(msg string, claims ...claim) {
			t.Helper()
			for _, c := range claims {
				tx := begin(t, b.store)
				err := tx.Subscriptions.ClaimTrial(ctx, c.scope, c.kind, c.value, c.subscriptionID)
				require.Error(t, err, "%s: %+v", msg, c)
				requireUniqueViolation(t, err, "trial_redemptions_pkey")
				tx.rollback(t)
			}
		}

		claimAll("first claims",
			claim{b.scope, "email", "ana@example.cl", sub1},
			claim{b.scope, "external_id", "user_1", sub1},
			claim{b.scope, "fingerprint", "fp_4242", sub1},
			claim{b.scope, "email", "beto@example.cl", sub2},
		)
		requireTaken("a second claim of an identity",
			claim{b.scope, "email", "ana@example.cl", sub2},
			claim{b.scope, "email", "ana@example.cl", sub1}, // even by the same subscription
			claim{b.scope, "external_id", "user_1", sub3},
			claim{b.scope, "fingerprint", "fp_4242", sub3},
			claim{b.scope, "email", "beto@example.cl", sub1},
		)
		// The same value under another kind, and the same identity in
		// another mode or merchant, are other identities.
		claimAll("independent identities",
			claim{b.scope, "external_id", "ana@example.cl", sub3},
			claim{b.scope, "fingerprint", "user_1", sub3},
			claim{b.live, "email", "ana@example.cl", sub3},
			claim{b.other, "email", "ana@example.cl", sub3},
			claim{b.other, "external_id", "user_1", sub3},
		)

		// Releasing in another scope leaves this scope's claims.
		tx := begin(t, b.store)
		require.NoError(t, tx.Subscriptions.ReleaseTrials(ctx, b.live, sub1))
		require.NoError(t, tx.Subscriptions.ReleaseTrials(ctx, b.other, sub1))
		tx.commit(t)
		requireTaken("after releasing elsewhere", claim{b.scope, "email", "ana@example.cl", sub4})

		// Releasing a subscription frees its claims, and only its.
		tx = begin(t, b.store)
		require.NoError(t, tx.Subscriptions.ReleaseTrials(ctx, b.scope, sub1))
		tx.commit(t)
		claimAll("after the release",
			claim{b.scope, "email", "ana@example.cl", sub4},
			claim{b.scope, "external_id", "user_1", sub4},
			claim{b.scope, "fingerprint", "fp_4242", sub4},
		)
		requireTaken("claims of other subscriptions stay",
			claim{b.scope, "email", "beto@example.cl", sub1},
			claim{b.scope, "external_id", "ana@example.cl", sub1},
			claim{b.live, "email", "ana@example.cl", sub1},
			claim{b.other, "external_id", "user_1", sub1},
		)

		// sub3 holds claims in three scopes; releasing it in live mode
		// frees only the live one.
		tx = begin(t, b.store)
		require.NoError(t, tx.Subscriptions.ReleaseTrials(ctx, b.live, sub3))
		tx.commit(t)
		claimAll("after releasing in live mode", claim{b.live, "email", "ana@example.cl", sub4})
		requireTaken("claims of the released subscription in other scopes stay",
			claim{b.scope, "external_id", "ana@example.cl", sub4},
			claim{b.other, "email", "ana@example.cl", sub4},
		)

		// Releasing a subscription without claims is fine; a rolled-back
		// claim leaves nothing behind.
		tx = begin(t, b.store)
		require.NoError(t, tx.Subscriptions.ReleaseTrials(ctx, b.scope, sub()))
		tx.commit(t)
		tx = begin(t, b.store)
		require.NoError(t, tx.Subscriptions.ClaimTrial(ctx, b.scope, "email", "carla@example.cl", sub()))
		tx.rollback(t)
		claimAll("after a rolled-back claim", claim{b.scope, "email", "carla@example.cl", sub()})
	})
}
