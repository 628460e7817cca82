package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// The console's tests share one harness: setupConsole builds a test's
// world (the stack on one store, the merchant's owner, a tab of its own),
// and the helpers below sign users in and out, forge a POST, download a
// file and check a page at the widths the console is made for.

// The owner every console test's merchant has (setupConsole, consoleOwner).
const (
	ownerEmail    = "duena@example.cl"
	ownerPassword = "una clave bien larga"
)

// consoleTest is one console browser test's world, as setupConsole makes
// it: cuota's whole HTTP surface on one store (the embedded stack), the
// merchant's owner, and a tab in a browser context of its own, not yet
// signed in.
type consoleTest struct {
	*stack
	b     *tab
	owner billing.User
}

// setupConsole builds a console test's world on a store of kind; opts
// change the app's configuration (as newStackWith's do).
func setupConsole(t *testing.T, kind storeKind, opts ...func(*app.Config)) *consoleTest {
	t.Helper()
	s := newStackOn(t, kind, app.Mailer{}, opts...)
	b := newTab(t)
	b.store = kind
	return &consoleTest{stack: s, b: b, owner: s.user(billing.RoleOwner, ownerEmail, ownerPassword)}
}

// signInAs signs the tab in as email, in Spanish (es-CL), and requires
// the sign-in to succeed.
func (c *consoleTest) signInAs(email, password string) {
	c.t.Helper()
	c.b.signInAt(c.url, email, password)
}

// signOut signs the tab out from the overview's button.
func (c *consoleTest) signOut() {
	c.t.Helper()
	c.b.visit(c.url+"/console/", "#sign-out")
	require.Equal(c.t, http.StatusOK, c.b.status(chromedp.Click(chromedp.CSS("#sign-out"), chromedp.NodeVisible)))
	require.Contains(c.t, c.b.location(), "/console/sign-in")
}

// audit is the first 100 entries of the merchant's test-mode audit log,
// oldest first.
func (c *consoleTest) audit() []billing.AuditEntry {
	c.t.Helper()
	audit, err := c.app.Merchants.ListAuditEntries(c.t.Context(), c.scope, 0, 100)
	require.NoError(c.t, err)
	return audit.Data
}

// auditActors maps each action of the audit log to who did it last.
func (c *consoleTest) auditActors() map[string]string {
	c.t.Helper()
	actors := map[string]string{}
	for _, e := range c.audit() {
		actors[e.Action] = e.Actor
	}
	return actors
}

// user creates a console user of the stack's merchant.
func (s *stack) user(role billing.Role, email, password string) billing.User {
	s.t.Helper()
	u, err := s.app.Users.CreateUser(s.t.Context(), app.CreateUserParams{MerchantID: s.scope.MerchantID, Email: email,
		Role: role, Password: password})
	require.NoError(s.t, err)
	return u
}

// consoleOwner creates the merchant's owner on a stack made without
// setupConsole and signs the tab in as it.
func consoleOwner(t *testing.T, s *stack, b *tab) {
	t.Helper()
	s.user(billing.RoleOwner, ownerEmail, ownerPassword)
	b.signInAt(s.url, ownerEmail, ownerPassword)
}

// signInAt opens the sign-in page of the console at base in Spanish and
// signs in, requiring a 200.
func (b *tab) signInAt(base, email, password string) {
	b.t.Helper()
	b.visit(base+"/console/sign-in?lang=es-CL", "#sign-in")
	require.Equal(b.t, http.StatusOK, b.signIn(email, password))
}

// signIn fills the sign-in form and submits it, returning the status.
func (b *tab) signIn(email, password string) int {
	b.t.Helper()
	b.typeInto("#email", email)
	b.typeInto("#password", password)
	return b.status(chromedp.Click(chromedp.CSS("#sign-in-button"), chromedp.NodeVisible))
}

// status navigates by running steps (a click that submits a form) and
// returns the HTTP status of the page it leads to.
func (b *tab) status(steps ...chromedp.Action[chromedp.Void]) int {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, steps...)
	require.NoError(b.t, err)
	return int(res.Status)
}

// forgedPost adds to the page a form that posts fields to action with the
// page's own CSRF token — what a user could send without the button —
// submits it, and returns the status of the answer.
func (b *tab) forgedPost(action string, fields map[string]string) int {
	b.t.Helper()
	if fields == nil {
		fields = map[string]string{}
	}
	b.run(chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`((action, fields) => {
		const f = document.createElement('form');
		f.method = 'post'; f.action = action;
		fields.csrf = document.querySelector('input[name=csrf]').value;
		for (const [name, value] of Object.entries(fields)) {
			const i = document.createElement('input'); i.type = 'hidden'; i.name = name; i.value = value; f.append(i);
		}
		const b = document.createElement('button'); b.id = 'forged'; b.textContent = 'x';
		f.append(b); document.body.append(f);
	})(%s, %s)`, jsValue(b.t, action), jsValue(b.t, fields))))
	return b.status(chromedp.Click(chromedp.CSS("#forged"), chromedp.NodeVisible))
}

// consoleShots is where the console's pages are saved at 375 and 1280 px
// ($CUOTA_CONSOLE_SHOTS; none when unset).
func consoleShots() string { return os.Getenv("CUOTA_CONSOLE_SHOTS") }

// consoleWidths are the screens every console page is checked at: a
// small phone, where the page is used, and a laptop.
var consoleWidths = []int64{375, 1280}

// consolePage checks a console page as checkPage does (labels, no
// sideways scroll at 375 px, no CSP report), then that it fits at each of
// consoleWidths, and, with CUOTA_CONSOLE_SHOTS set, saves it at each. The
// tab is 375 px wide again afterwards.
func (b *tab) consolePage(name string) {
	b.t.Helper()
	b.checkPage()
	dir := consoleShots()
	if dir != "" {
		require.NoError(b.t, os.MkdirAll(dir, 0o755))
	}
	for _, w := range consoleWidths {
		height := int64(812) // a phone's, as newTab's
		if w > 800 {
			height = 900
		}
		b.run(chromedp.EmulateViewport(w, height))
		b.requireConsoleFits()
		if dir != "" {
			png := get(b, chromedp.FullScreenshot(100))
			file := fmt.Sprintf("%s-%d.png", name, w)
			if b.store == onPostgres {
				file = fmt.Sprintf("%s-%s-%d.png", name, b.store, w)
			}
			require.NoError(b.t, os.WriteFile(filepath.Join(dir, file), png, 0o644))
		}
	}
	b.run(chromedp.EmulateViewport(375, 812))
}

// configPage checks a page of the config area as consolePage does, and
// that no internal id is part of what it shows.
func (b *tab) configPage(name string) {
	b.t.Helper()
	b.consolePage(name)
	requireNoIDs(b.t, name, evaluate[string](b, `document.body.innerText`))
}

// requireConsoleFits fails when the console page scrolls sideways or
// anything sticks out of the visible width (the scrollbar's share taken
// off), except inside a box made to scroll sideways on its own (a wide
// table in its card), which must itself fit.
func (b *tab) requireConsoleFits() {
	b.t.Helper()
	width := evaluate[int](b, `document.documentElement.clientWidth`)
	require.LessOrEqual(b.t, evaluate[int](b, `document.documentElement.scrollWidth`), width, "the page scrolls sideways at %d px on %s", width, b.location())
	over := evaluate[[]string](b, `(() => {
		const cw = document.documentElement.clientWidth + 0.5;
		const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
			const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return p.getBoundingClientRect().right <= cw; }
			return false; };
		return [...document.querySelectorAll('body *')].filter(e => e.getClientRects().length && e.getBoundingClientRect().right > cw && !scrolls(e))
			.map(e => e.tagName + '#' + e.id + '.' + e.className); })()`)
	require.Empty(b.t, over, "elements past the right edge at %d px on %s", width, b.location())
}

// download clicks a download link and returns the file the browser saved.
func (b *tab) download(sel string) string {
	b.t.Helper()
	dir := b.t.TempDir()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	progress := chromedp.Events(ctx, cdpbrowser.DownloadProgress)
	require.NoError(b.t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
			BrowserContextID: chromedp.FromContext(ctx).BrowserContextID})
		return err
	}), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)))
	for ev, err := range progress {
		require.NoError(b.t, err)
		if ev.State == cdpbrowser.DownloadProgressStateCanceled {
			require.FailNow(b.t, "the download was canceled")
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
			require.NoError(b.t, err)
			return string(data)
		}
	}
	require.FailNow(b.t, "no download")
	return ""
}

// jsValue is v as a JavaScript literal (JSON is one).
func jsValue(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return string(raw)
}
