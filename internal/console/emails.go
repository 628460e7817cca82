package console

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// emailsPage is how many emails a page of the log lists.
const emailsPage = 25

// emailsView is the email log: a template filter and one page.
type emailsView struct {
	Template  string
	Templates []string
	Emails    []billing.Email
	NextURL   string
	Paged     bool
	Loc       *time.Location
}

func (h configArea) emails(q *req) {
	tmpl := q.r.URL.Query().Get("template")
	if !slices.Contains(billing.EmailTemplates(), tmpl) {
		tmpl = ""
	}
	after := q.r.URL.Query().Get("after")
	list, err := h.app.Notifications.ListEmails(q.ctx, q.scope(), billing.EmailFilter{Template: tmpl},
		billing.Page{Limit: emailsPage, StartingAfter: after})
	if err != nil {
		h.fail(q, err)
		return
	}
	view := emailsView{Template: tmpl, Templates: billing.EmailTemplates(), Emails: list.Data, Paged: after != "", Loc: merchantLoc(q)}
	if list.HasMore && len(list.Data) > 0 {
		v := url.Values{"after": {list.Data[len(list.Data)-1].ID}}
		if tmpl != "" {
			v.Set("template", tmpl)
		}
		view.NextURL = "/console/emails?" + v.Encode()
	}
	d := q.data(q.l.Cfg.EmailsTitle, "emails")
	d.D = view
	h.show(q, "emails", d)
}

// emailView is one email of the log.
type emailView struct {
	Email billing.Email
	Loc   *time.Location
}

func (h configArea) email(q *req) {
	e, err := h.app.Notifications.GetEmail(q.ctx, q.scope(), q.r.PathValue("id"))
	if err != nil {
		h.fail(q, err)
		return
	}
	title := e.Subject
	if title == "" {
		title = q.l.Cfg.EmailTitle
	}
	d := q.data(title, "emails")
	d.D = emailView{Email: e, Loc: merchantLoc(q)}
	h.show(q, "email", d)
}

// emailCSP is the policy of an email's HTML body shown on its own: a
// sandbox (no script, no forms, an origin of its own, so the message
// cannot act as the console nor read its cookies), inline styles as
// emails carry them, and images from cuota only (a logo); nothing else
// loads, so opening a message tells no one outside.
const emailCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'none'; base-uri 'none'; frame-ancestors 'none'"

// emailHTML serves an email's HTML body exactly as it was sent, under
// emailCSP instead of the console's policy.
func (h configArea) emailHTML(q *req) {
	e, err := h.app.Notifications.GetEmail(q.ctx, q.scope(), q.r.PathValue("id"))
	if err != nil {
		h.fail(q, err)
		return
	}
	if e.HTMLBody == "" {
		h.message(q.w, q.r, http.StatusNotFound, q.l, q, q.l.NotFoundTitle, q.l.Cfg.NoHTMLBody)
		return
	}
	q.w.Header().Set("Content-Security-Policy", emailCSP)
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = q.w.Write([]byte(e.HTMLBody))
}
