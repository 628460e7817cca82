package storetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/billing"
)

// exerciseConsole checks the console's users, sessions and invitations,
// and the customer search its pages use (the sign-in throttles, password
// resets and recovery codes: exerciseConsoleAuth).
func exerciseConsole(t *testing.T, setup setupFunc) {
	t.Helper()

	newUser := func(b *testBundle, merchantID, email string, role billing.Role) billing.User {
		at := b.clock.next()
		return billing.User{ID: billing.NewID(billing.PrefixUser, at), MerchantID: merchantID, Email: email, Role: role,
			PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", Locale: "es-CL", Created: at, Updated: at}
	}

	t.Run("Users", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		owner := newUser(b, b.merchantA.ID, "duena@example.cl", billing.RoleOwner)
		viewer := newUser(b, b.merchantA.ID, "mira@example.cl", billing.RoleViewer)
		viewer.TOTPSecret = []byte{1, 2, 3}
		other := newUser(b, b.merchantB.ID, "otro@example.cl", billing.RoleAdmin)
		for _, u := range []billing.User{owner, viewer, other} {
			require.NoError(t, tx.Console.CreateUser(ctx, u))
		}
		tx.commit(t)

		tx = begin(t, b.store)
		dup := newUser(b, b.merchantB.ID, "duena@example.cl", billing.RoleViewer)
		err := tx.Console.CreateUser(ctx, dup)
		var uv *billing.ErrUniqueViolation
		require.ErrorAs(t, err, &uv, "an email is one user across cuota")
		require.Equal(t, "users_email_key", uv.Constraint)
		tx.rollback(t)

		tx = begin(t, b.store)
		got, err := tx.Console.GetUser(ctx, b.merchantA.ID, viewer.ID)
		require.NoError(t, err)
		require.Equal(t, viewer, got)
		_, err = tx.Console.GetUser(ctx, b.merchantB.ID, viewer.ID)
		require.ErrorIs(t, err, billing.ErrNotFound, "another merchant's user is not found")
		got, err = tx.Console.GetUserByEmail(ctx, "duena@example.cl")
		require.NoError(t, err)
		require.Equal(t, owner, got)
		_, err = tx.Console.GetUserByEmail(ctx, "nadie@example.cl")
		require.ErrorIs(t, err, billing.ErrNotFound)
		list, err := tx.Console.ListUsers(ctx, b.merchantA.ID)
		require.NoError(t, err)
		require.Equal(t, []billing.User{owner, viewer}, list)

		viewer.Role, viewer.TOTPSecret, viewer.Locale, viewer.Updated = billing.RoleSupport, nil, "en", b.clock.next()
		require.NoError(t, tx.Console.UpdateUser(ctx, viewer))
		got, err = tx.Console.GetUser(ctx, b.merchantA.ID, viewer.ID)
		require.NoError(t, err)
		require.Equal(t, viewer, got)
		require.False(t, got.HasTOTP())
		moved := viewer
		moved.MerchantID = b.merchantB.ID
		require.ErrorIs(t, tx.Console.UpdateUser(ctx, moved), billing.ErrNotFound)
		tx.commit(t)

		// Deleting a user deletes its sessions.
		tx = begin(t, b.store)
		at := b.clock.next()
		s := billing.Session{ID: billing.NewID(billing.PrefixSession, at), UserID: viewer.ID, MerchantID: b.merchantA.ID,
			Hash: "h-viewer", Mode: billing.ModeTest, Created: at, LastSeen: at}
		require.NoError(t, tx.Console.CreateSession(ctx, s))
		require.ErrorIs(t, tx.Console.DeleteUser(ctx, b.merchantB.ID, viewer.ID), billing.ErrNotFound)
		require.NoError(t, tx.Console.DeleteUser(ctx, b.merchantA.ID, viewer.ID))
		_, err = tx.Console.GetSessionByHash(ctx, "h-viewer")
		require.ErrorIs(t, err, billing.ErrNotFound)
		_, err = tx.Console.GetUser(ctx, b.merchantA.ID, viewer.ID)
		require.ErrorIs(t, err, billing.ErrNotFound)
		tx.commit(t)
	})

	t.Run("Sessions", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		u := newUser(b, b.merchantA.ID, "duena@example.cl", billing.RoleOwner)
		require.NoError(t, tx.Console.CreateUser(ctx, u))
		at := b.clock.next()
		s1 := billing.Session{ID: billing.NewID(billing.PrefixSession, at), UserID: u.ID, MerchantID: u.MerchantID,
			Hash: "h1", Mode: billing.ModeTest, Created: at, LastSeen: at}
		s2 := s1
		s2.ID, s2.Hash = billing.NewID(billing.PrefixSession, b.clock.next()), "h2"
		require.NoError(t, tx.Console.CreateSession(ctx, s1))
		require.NoError(t, tx.Console.CreateSession(ctx, s2))
		tx.commit(t)

		tx = begin(t, b.store)
		got, err := tx.Console.GetSessionByHash(ctx, "h1")
		require.NoError(t, err)
		require.Equal(t, s1, got)
		later := b.clock.next()
		require.NoError(t, tx.Console.TouchSession(ctx, s1.ID, later))
		require.NoError(t, tx.Console.SetSessionMode(ctx, s1.ID, billing.ModeLive))
		got, err = tx.Console.GetSessionByHash(ctx, "h1")
		require.NoError(t, err)
		require.Equal(t, later, got.LastSeen)
		require.Equal(t, billing.ModeLive, got.Mode)
		require.ErrorIs(t, tx.Console.TouchSession(ctx, "sess_none", later), billing.ErrNotFound)

		revoked := b.clock.next()
		require.NoError(t, tx.Console.RevokeSession(ctx, s1.ID, revoked))
		require.NoError(t, tx.Console.RevokeSession(ctx, s1.ID, b.clock.next()), "revoking twice keeps the first time")
		got, err = tx.Console.GetSessionByHash(ctx, "h1")
		require.NoError(t, err)
		require.Equal(t, &revoked, got.Revoked)

		all := b.clock.next()
		require.NoError(t, tx.Console.RevokeUserSessions(ctx, u.ID, all))
		got, err = tx.Console.GetSessionByHash(ctx, "h2")
		require.NoError(t, err)
		require.Equal(t, &all, got.Revoked)
		got, err = tx.Console.GetSessionByHash(ctx, "h1")
		require.NoError(t, err)
		require.Equal(t, &revoked, got.Revoked, "a revoked session keeps its time")
		tx.commit(t)
	})

	t.Run("Invitations", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		at := b.clock.next()
		inv := billing.Invitation{ID: billing.NewID(billing.PrefixInvitation, at), MerchantID: b.merchantA.ID,
			Email: "nuevo@example.cl", Role: billing.RoleSupport, Hash: "ih1", InvitedBy: "usr_x", Created: at,
			Expires: at.Add(billing.InvitationLifetime)}
		expired := inv
		expired.ID, expired.Hash, expired.Expires = billing.NewID(billing.PrefixInvitation, b.clock.next()), "ih2", at.Add(time.Hour)
		otherInv := inv
		otherInv.ID, otherInv.Hash, otherInv.MerchantID = billing.NewID(billing.PrefixInvitation, b.clock.next()), "ih3", b.merchantB.ID

		tx := begin(t, b.store)
		for _, i := range []billing.Invitation{inv, expired, otherInv} {
			require.NoError(t, tx.Console.CreateInvitation(ctx, i))
		}
		got, err := tx.Console.GetInvitationByHash(ctx, "ih1")
		require.NoError(t, err)
		require.Equal(t, inv, got)
		list, err := tx.Console.ListInvitations(ctx, b.merchantA.ID, at.Add(2*time.Hour))
		require.NoError(t, err)
		require.Equal(t, []billing.Invitation{inv}, list, "expired and other merchants' invitations are not pending")

		used := b.clock.next()
		require.NoError(t, tx.Console.UseInvitation(ctx, inv.ID, used))
		require.ErrorIs(t, tx.Console.UseInvitation(ctx, inv.ID, b.clock.next()), billing.ErrNotFound, "an invitation is used once")
		got, err = tx.Console.GetInvitationByHash(ctx, "ih1")
		require.NoError(t, err)
		require.Equal(t, &used, got.Used)
		list, err = tx.Console.ListInvitations(ctx, b.merchantA.ID, at)
		require.NoError(t, err)
		require.Len(t, list, 1, "only the unused one that has not expired yet")
		require.Equal(t, expired.ID, list[0].ID)
		tx.commit(t)
	})

	t.Run("SearchCustomers", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		ctx := t.Context()

		tx := begin(t, b.store)
		ana := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email, c.Name, c.ExternalID = "ana@example.cl", "Ana Rojas", "CRM-7"
		})
		luis := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) {
			c.Email, c.Name = "luis@example.cl", "Luis Anaya"
		})
		gone := newCustomer(t, tx.Tx, b.scope, b.clock.next(), func(c *billing.Customer) { c.Name = "Anabel" })
		require.NoError(t, tx.Customers.DeleteCustomer(ctx, b.scope, gone.ID, b.clock.next()))
		newCustomer(t, tx.Tx, b.live, b.clock.next(), func(c *billing.Customer) { c.Name = "Ana Live" })
		newCustomer(t, tx.Tx, b.other, b.clock.next(), func(c *billing.Customer) { c.Name = "Ana Other" })
		tx.commit(t)

		ids := func(cs []billing.Customer) []string {
			out := []string{}
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		tx = begin(t, b.store)
		defer tx.rollback(t)
		got, more, err := tx.Customers.SearchCustomers(ctx, b.scope, "ana", billing.Page{Limit: 10})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{luis.ID, ana.ID}, ids(got), "a part of the name, ignoring case, newest first; not deleted, not other scopes")
		got, _, err = tx.Customers.SearchCustomers(ctx, b.scope, "ana@example.cl", billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{ana.ID}, ids(got))
		got, _, err = tx.Customers.SearchCustomers(ctx, b.scope, "crm-7", billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Equal(t, []string{ana.ID}, ids(got), "the external id, ignoring case")
		got, more, err = tx.Customers.SearchCustomers(ctx, b.scope, "ana", billing.Page{Limit: 1})
		require.NoError(t, err)
		require.True(t, more)
		require.Equal(t, []string{luis.ID}, ids(got))
		got, more, err = tx.Customers.SearchCustomers(ctx, b.scope, "ana", billing.Page{Limit: 1, StartingAfter: luis.ID})
		require.NoError(t, err)
		require.False(t, more)
		require.Equal(t, []string{ana.ID}, ids(got))
		got, _, err = tx.Customers.SearchCustomers(ctx, b.scope, "100%", billing.Page{Limit: 10})
		require.NoError(t, err)
		require.Empty(t, got, "no character of the query is a wildcard")
	})

}
