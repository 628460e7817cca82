package console

import (
	"net/http"
	"time"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// apiKeysView is the API keys page: the keys of the session's mode and,
// right after creating one, its secret (shown this once).
type apiKeysView struct {
	Keys   []billing.APIKey
	Secret string
	Loc    *time.Location
}

// modeKeys returns the merchant's keys of mode.
func (h *handler) modeKeys(q *req) ([]billing.APIKey, error) {
	all, err := h.app.Merchants.ListAPIKeys(q.ctx, q.cs.Merchant.ID)
	if err != nil {
		return nil, err
	}
	var out []billing.APIKey
	for _, k := range all {
		if k.Mode == q.cs.Session.Mode {
			out = append(out, k)
		}
	}
	return out, nil
}

func (h *handler) showAPIKeys(q *req, secret, notice string) {
	keys, err := h.modeKeys(q)
	if err != nil {
		h.fail(q, err)
		return
	}
	d := q.data(q.l.KeysTitle, "settings")
	d.Notice = notice
	d.D = apiKeysView{Keys: keys, Secret: secret, Loc: merchantLoc(q)}
	d.Sub = "api-keys"
	h.show(q, "apikeys", d)
}

func (h *handler) apiKeys(q *req) {
	notice := ""
	if q.r.URL.Query().Get("done") == "revoked" {
		notice = q.l.KeyRevoked
	}
	h.showAPIKeys(q, "", notice)
}

// createAPIKey makes a key in the session's mode and shows its secret in
// the answer itself: it is never stored, so no later page could show it.
func (h *handler) createAPIKey(q *req) {
	_, secret, err := h.app.Merchants.CreateAPIKey(q.ctx, q.cs.Merchant.ID, q.cs.Session.Mode)
	if err != nil {
		h.fail(q, err)
		return
	}
	h.showAPIKeys(q, secret, "")
}

func (h *handler) revokeAPIKey(q *req) {
	id := q.r.PathValue("id")
	keys, err := h.app.Merchants.ListAPIKeys(q.ctx, q.cs.Merchant.ID)
	if err != nil {
		h.fail(q, err)
		return
	}
	// RevokeAPIKey takes any key's id: only the merchant's own are
	// revoked from its console (another merchant's is not found).
	found := false
	for _, k := range keys {
		found = found || k.ID == id
	}
	if !found {
		h.fail(q, billing.NotFound("api_key", id))
		return
	}
	if _, err := h.app.Merchants.RevokeAPIKey(q.ctx, id); err != nil {
		h.fail(q, err)
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/api-keys?done=revoked", http.StatusSeeOther)
}

// usersView is the users page.
type usersView struct {
	Users       []billing.User
	Invitations []billing.Invitation
	Me          string
	InviteURL   string // right after inviting: the link, shown this once
	Loc         *time.Location
	Email       string // the invitation form's email after an error
}

func (h *handler) showUsers(q *req, status int, d pageData, view usersView) {
	users, err := h.app.Users.ListUsers(q.ctx, q.cs.Merchant.ID)
	if err != nil {
		h.fail(q, err)
		return
	}
	invitations, err := h.app.Users.ListInvitations(q.ctx, q.cs.Merchant.ID)
	if err != nil {
		h.fail(q, err)
		return
	}
	view.Users, view.Invitations, view.Me, view.Loc = users, invitations, q.cs.User.ID, merchantLoc(q)
	d.D = view
	d.Sub = "users"
	h.showStatus(q, "users", status, d)
}

func (h *handler) users(q *req) {
	d := q.data(q.l.UsersTitle, "settings")
	switch q.r.URL.Query().Get("done") {
	case "removed":
		d.Notice = q.l.Removed
	case "role":
		d.Notice = q.l.RoleChanged
	}
	h.showUsers(q, http.StatusOK, d, usersView{})
}

func (h *handler) invite(q *req) {
	email := q.r.PostForm.Get("email")
	_, token, err := h.app.Users.Invite(q.ctx, q.cs.Merchant.ID, email, billing.Role(q.r.PostForm.Get("role")), q.cs.User.ID)
	d := q.data(q.l.UsersTitle, "settings")
	if err != nil {
		if billing.AsError(err) == nil || billing.AsError(err).Kind == billing.KindNotFound {
			h.fail(q, err)
			return
		}
		d.Error = userMessage(q.l, err)
		h.showUsers(q, billing.AsError(err).Kind.HTTPStatus(), d, usersView{Email: email})
		return
	}
	base := ""
	if h.publicURL != nil {
		base = h.publicURL()
	}
	h.showUsers(q, http.StatusOK, d, usersView{InviteURL: base + "/console/invitation/" + token})
}

func (h *handler) changeRole(q *req) {
	_, err := h.app.Users.ChangeUserRole(q.ctx, q.cs.Merchant.ID, q.r.PathValue("id"), billing.Role(q.r.PostForm.Get("role")))
	if err != nil {
		h.fail(q, err)
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/users?done=role", http.StatusSeeOther)
}

func (h *handler) removeUser(q *req) {
	if err := h.app.Users.RemoveUser(q.ctx, q.cs.Merchant.ID, q.r.PathValue("id")); err != nil {
		h.fail(q, err)
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/users?done=removed", http.StatusSeeOther)
}

// securityView is the user's own security page: the second factor and
// its recovery codes.
type securityView struct {
	On     bool
	Secret string // a new secret to add to an app, while off
	URI    string
	Left   int      // unused recovery codes, while on
	Codes  []string // new recovery codes, shown once in the answer that made them
}

func (h *handler) showSecurity(q *req, status int, errMsg, secret string, codes []string) {
	d := q.data(q.l.SecurityTitle, "settings")
	d.Error = errMsg
	view := securityView{On: q.cs.User.HasTOTP(), Codes: codes}
	if view.On {
		left, err := h.app.Users.RecoveryCodesLeft(q.ctx, q.cs.User.ID)
		if err != nil {
			h.internal(q.w, q.r, q.l, err)
			return
		}
		view.Left = left
	} else {
		if secret == "" {
			secret = h.app.Users.NewTOTPSecret()
		}
		view.Secret, view.URI = secret, app.TOTPURI(secret, q.cs.User.Email)
	}
	d.D = view
	d.Sub = "security"
	h.showStatus(q, "security", status, d)
}

func (h *handler) security(q *req) { h.showSecurity(q, http.StatusOK, "", "", nil) }

// enableTOTP turns the second factor on and answers with the page showing
// the new recovery codes, once.
func (h *handler) enableTOTP(q *req) {
	secret := q.r.PostForm.Get("secret")
	u, codes, err := h.app.Users.EnableTOTP(q.ctx, q.cs.Merchant.ID, q.cs.User.ID, secret, q.r.PostForm.Get("code"))
	if err != nil {
		if e := billing.AsError(err); e != nil && e.Kind == billing.KindInvalid {
			h.showSecurity(q, http.StatusBadRequest, userMessage(q.l, err), secret, nil)
			return
		}
		h.fail(q, err)
		return
	}
	q.cs.User = u
	h.showSecurity(q, http.StatusOK, "", "", codes)
}

// regenerateRecoveryCodes makes new recovery codes (the old ones stop
// working) and shows them, once.
func (h *handler) regenerateRecoveryCodes(q *req) {
	codes, err := h.app.Users.RegenerateRecoveryCodes(q.ctx, q.cs.Merchant.ID, q.cs.User.ID)
	if err != nil {
		h.fail(q, err)
		return
	}
	h.showSecurity(q, http.StatusOK, "", "", codes)
}

func (h *handler) disableTOTP(q *req) {
	if _, err := h.app.Users.DisableTOTP(q.ctx, q.cs.Merchant.ID, q.cs.User.ID); err != nil {
		h.fail(q, err)
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/security", http.StatusSeeOther)
}
