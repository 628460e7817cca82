package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// TestConsole signs a merchant's owner in (after a wrong password and the
// lock), compares the overview with the API's analytics, finds a customer,
// creates and revokes an API key, refuses a POST without its CSRF token,
// and shows that a viewer has no revoke button and that its forged revoke
// is 403. Every page is checked at 375 and 1280 px; on both stores.
func TestConsole(t *testing.T) {
	t.Parallel()
	eachStore(t, testConsole)
}

func testConsole(t *testing.T, kind storeKind) {
	c := setupConsole(t, kind)
	s, b, owner := c.stack, c.b, c.owner
	ctx := t.Context()
	s.user(billing.RoleViewer, "mira@example.cl", "otra clave bien larga")

	// Two customers with a subscription each: MRR and revenue to show.
	price := s.price(s.product("Plan Pro", map[string]int64{"seats": 3}), 15000, "CLP", "month")
	annual := s.price(s.product("Plan Anual", nil), 120000, "CLP", "year")
	for _, c := range []struct{ email, name, ext, price string }{
		{"ana@example.cl", "Ana Rojas", "CRM-7", price}, {"luis@example.cl", "Luis Soto", "", annual},
	} {
		cus := s.ok("POST", "/v1/customers", map[string]any{"email": c.email, "name": c.name, "external_id": c.ext})
		pm := s.ok("POST", "/v1/customers/"+cus["id"].(string)+"/payment_methods", map[string]any{"gateway": "sim", "token": billing.SimTokVisa})
		s.ok("POST", "/v1/subscriptions", map[string]any{"customer": cus["id"], "items": []map[string]any{{"price": c.price}}, "payment_method": pm["id"]})
	}

	s.freeze()
	b.visit(s.url+"/", "#sign-in")
	require.Contains(t, b.location(), "/console/sign-in", "the root leads to the console, which asks to sign in")
	require.Equal(t, "en", evaluate[string](b, `document.documentElement.lang`), "before sign-in: the browser's language")
	b.visit(s.url+"/console/sign-in?lang=es-CL", "#sign-in")
	require.Equal(t, "es-CL", evaluate[string](b, `document.documentElement.lang`))
	b.consolePage("sign-in")

	// A wrong password is refused; so is an unknown email, with the same
	// words. The address must then wait before the next try.
	require.Equal(t, http.StatusUnauthorized, b.signIn("duena@example.cl", "no es la clave"))
	require.Equal(t, "El correo, la contraseña o el código no son correctos.", b.text("#error"))
	b.consolePage("sign-in-error")
	require.Equal(t, http.StatusTooManyRequests, b.signIn("duena@example.cl", "una clave bien larga"))
	require.Contains(t, b.text("#error"), "Espera 1 segundos")
	// Four more wrong passwords, each once its wait is over: the fifth
	// locks the address for 15 minutes.
	for i := 2; i <= billing.SignInLockAfter; i++ {
		s.advance(billing.SignInDelay(i - 1))
		status := b.signIn("duena@example.cl", "no es la clave")
		if i < billing.SignInLockAfter {
			require.Equal(t, http.StatusUnauthorized, status)
		} else {
			require.Equal(t, http.StatusTooManyRequests, status)
		}
	}
	require.Contains(t, b.text("#error"), "bloqueado por 15 minutos")
	require.Equal(t, http.StatusTooManyRequests, b.signIn("duena@example.cl", "una clave bien larga"), "the right password waits for the lock too")
	s.advance(billing.SignInLockFor)
	require.Equal(t, http.StatusOK, b.signIn("duena@example.cl", "una clave bien larga"))
	require.True(t, strings.HasSuffix(b.location(), "/console/"), b.location())

	// The overview's figures are the API's.
	b.run(chromedp.WaitVisible(chromedp.CSS("#mrr-chart")))
	require.Equal(t, "Modo de prueba: estás viendo datos de prueba.", b.text("#mode-banner"))
	sum := s.ok("GET", "/v1/analytics/summary?currency=CLP", nil)
	mrr := sum["mrr"].(map[string]any)
	require.Equal(t, int64(25000), int64(mrr["end_mrr"].(float64)), "15000 a month and 120000 a year")
	for id, want := range map[string]any{"fig-mrr": mrr["end_mrr"], "fig-subscriptions": mrr["end_subscriptions"],
		"fig-customers": mrr["end_customers"], "fig-net-revenue": sum["net_revenue"]} {
		require.Equal(t, fmt.Sprint(want), evaluate[string](b, fmt.Sprintf(`document.getElementById(%q).dataset.value`, id)), id)
	}
	require.Contains(t, b.text("#fig-mrr"), "$25.000")
	require.Contains(t, b.text("#fig-net-revenue"), "$135.000")
	b.consolePage("overview")

	// Find a customer by a part of the name, then open its page.
	b.click(`nav.main a[href="/console/customers"]`, "#q")
	b.consolePage("customers")
	b.typeInto("#q", "rojas")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#search-button"), chromedp.NodeVisible)))
	require.Equal(t, 1, evaluate[int](b, `document.querySelectorAll('#customers tbody tr').length`))
	b.click("#customers tbody a", "#customer-email")
	require.Equal(t, "ana@example.cl", b.text("#customer-email"))
	require.Contains(t, b.text("#subscriptions"), "Plan Pro")
	require.Contains(t, b.text("#subscriptions"), "Activa")
	require.Contains(t, b.text("#invoices"), "$15.000")
	require.Contains(t, b.text("#payments"), "Exitoso")
	require.Contains(t, b.text("#methods"), "4242")
	require.Contains(t, b.text("#timeline"), "Suscripción creada")
	b.consolePage("customer")
	b.visit(s.url+"/console/customers?q=CRM-7", "#customers")
	require.Contains(t, b.text("#customers"), "Ana Rojas", "by external id")

	// Subscriptions, and the user's pages.
	b.visit(s.url+"/console/subscriptions", "#subscriptions")
	b.consolePage("subscriptions")
	// Cancel Ana's subscription at the end of its period, with a reason.
	anaSub := s.ok("GET", "/v1/subscriptions?price="+price, nil)["data"].([]any)[0].(map[string]any)["id"].(string)
	b.run(chromedp.SetValue(chromedp.CSS("#sub-"+anaSub+" select"), "requested_by_merchant"))
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#sub-"+anaSub+" button.cancel"), chromedp.NodeVisible)))
	require.Equal(t, "La suscripción se cancelará al final del período.", b.text("#notice"))
	require.Contains(t, b.text("#sub-"+anaSub+" .status"), "se cancela al final del período")
	got := s.ok("GET", "/v1/subscriptions/"+anaSub, nil)
	require.Equal(t, true, got["cancel_at_period_end"])
	require.Equal(t, "active", got["status"])
	b.visit(s.url+"/console/settings/users", "#users")
	b.consolePage("users")
	// An invitation's link, shown once; its page asks for a password.
	b.typeInto("#invite-email", "soporte@example.cl")
	b.run(chromedp.SetValue(chromedp.CSS("#invite-role"), "support"))
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#invite-button"), chromedp.NodeVisible)))
	invite := b.text("#invite-url")
	require.Contains(t, invite, s.url+"/console/invitation/")
	require.Contains(t, b.text("#invitations"), "soporte@example.cl")
	b.consolePage("users-invited")
	b.visit(invite, "#accept")
	require.Contains(t, b.text("#intro"), "Corredora Sur te invitó a su consola de cobros con el rol Soporte")
	b.consolePage("invitation")
	b.visit(s.url+"/console/settings/security", "#totp-state")
	b.consolePage("security")

	// Create an API key: its secret is shown once and works; revoke it.
	b.visit(s.url+"/console/settings/api-keys", "#create-key")
	b.consolePage("api-keys")
	b.click("#create-key", "#new-secret")
	secret := b.text("#new-secret")
	require.True(t, strings.HasPrefix(secret, "sk_test_"), secret)
	b.consolePage("api-key-created")
	other := *s
	other.key = secret
	other.ok("GET", "/v1/customers", nil)
	keyID := ""
	keys, err := s.app.Merchants.ListAPIKeys(ctx, s.scope.MerchantID)
	require.NoError(t, err)
	for _, k := range keys {
		if k.Hash == app.HashAPIKey(secret) {
			keyID = k.ID
		}
	}
	require.NotEmpty(t, keyID)
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#key-"+keyID+" button.revoke"), chromedp.NodeVisible)))
	status, _ := other.do("GET", "/v1/customers", nil)
	require.Equal(t, http.StatusUnauthorized, status, "the revoked key is refused")
	require.Contains(t, b.text("#key-"+keyID), "Revocada")

	// The audit log names the user.
	actors := c.auditActors()
	require.Equal(t, "user:"+owner.ID, actors["api_key.create"])
	require.Equal(t, "user:"+owner.ID, actors["api_key.revoke"])
	require.Equal(t, "user:"+owner.ID, actors["subscription.update"], "the cancellation is the last update")

	// A POST without the CSRF token is refused with 403 and changes
	// nothing.
	before := len(keys)
	b.run(chromedp.Evaluate[chromedp.Void](`document.querySelector('#create-key').form.querySelector('input[name=csrf]').remove()`))
	require.Equal(t, http.StatusForbidden, b.status(chromedp.Click(chromedp.CSS("#create-key"), chromedp.NodeVisible)))
	require.Equal(t, "Acción no permitida", b.text("#title"))
	keys, err = s.app.Merchants.ListAPIKeys(ctx, s.scope.MerchantID)
	require.NoError(t, err)
	require.Len(t, keys, before)

	// Sign out; sign in as a viewer: no action buttons, and a forged
	// revoke (with a valid CSRF token) is 403.
	c.signOut()
	require.Equal(t, http.StatusOK, b.signIn("mira@example.cl", "otra clave bien larga"))
	b.visit(s.url+"/console/settings/api-keys", "#keys")
	b.absent("button.revoke")
	b.absent("#create-key")
	b.consolePage("api-keys-viewer")
	live := "" // the stack's own key, still active
	for _, k := range keys {
		if k.Hash == app.HashAPIKey(s.key) {
			live = k.ID
		}
	}
	require.NotEmpty(t, live)
	require.Equal(t, http.StatusForbidden, b.forgedPost("/console/settings/api-keys/"+live+"/revoke", nil))
	require.Equal(t, "Acción no permitida", b.text("#title"))
	b.consolePage("forbidden")
	s.ok("GET", "/v1/customers", nil) // the key still works
	b.visit(s.url+"/console/subscriptions", "#subscriptions")
	b.absent("#subscriptions button.danger")

	// The mode switch: live data, said so under the header.
	b.visit(s.url+"/console/", "#mode-switch")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#mode-switch"), chromedp.NodeVisible)))
	require.Equal(t, "Modo en vivo: datos reales.", b.text("#mode-banner"))
	require.Equal(t, "0", evaluate[string](b, `document.getElementById('fig-mrr').dataset.value`), "no live subscriptions")
	b.consolePage("overview-live")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#mode-switch"), chromedp.NodeVisible)))
	require.Equal(t, "Modo de prueba: estás viendo datos de prueba.", b.text("#mode-banner"))

	// The language switch: the viewer reads the console in English.
	b.visit(s.url+"/console/", "#lang-switch")
	require.Equal(t, http.StatusOK, b.status(chromedp.Click(chromedp.CSS("#lang-switch"), chromedp.NodeVisible)))
	require.Equal(t, "en", evaluate[string](b, `document.documentElement.lang`))
	require.Equal(t, "Test mode: you are looking at test data.", b.text("#mode-banner"))
	b.consolePage("overview-en")
}
