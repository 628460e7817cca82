package console

import (
	"net/http"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
)

// taxDocsView is the page of the Chilean tax documents (DTE) of the mode
// shown: the setup as saved (the key redacted), or nothing yet.
type taxDocsView struct {
	Set      bool
	Settings app.DTESettingsView
	Live     bool
}

func (h configArea) taxDocs(q *req) {
	notice := ""
	if q.r.URL.Query().Get("done") == "saved" {
		notice = q.l.Cfg.Saved
	}
	h.showTaxDocs(q, http.StatusOK, "", notice)
}

func (h configArea) showTaxDocs(q *req, status int, errMsg, notice string) {
	view := taxDocsView{Live: q.cs.Session.Mode == billing.ModeLive}
	cur, err := h.app.Merchants.GetDTESettings(q.ctx, q.scope())
	switch e := billing.AsError(err); {
	case err == nil:
		view.Set, view.Settings = true, cur
	case e != nil && e.Kind == billing.KindNotFound: // not set up yet
	default:
		h.fail(q, err)
		return
	}
	d := q.data(q.l.Cfg.TaxDocsTitle, "settings")
	d.Sub, d.Error, d.Notice, d.D = "tax-documents", errMsg, notice, view
	h.showStatus(q, "taxdocs", status, d)
}

// saveTaxDocs is the API's PUT /v1/merchant/dte in the session's mode: the
// provider's key (kept when left empty, sealed like a gateway's), the SII
// activity code, and whether documents are issued.
func (h configArea) saveTaxDocs(q *req) {
	enabled, provider := q.r.PostForm.Get("enabled") == "1", billing.DTEProviderOpenFactura
	p := app.DTESettingsParams{Enabled: &enabled, Provider: &provider}
	if key := formValue(q, "api_key"); key != "" {
		p.APIKey = &key
	}
	redo := func(status int, msg string) { h.showTaxDocs(q, status, msg, "") }
	if s := formValue(q, "activity_code"); s != "" {
		code, ok := smallNumber(s, 0)
		if !ok {
			redo(http.StatusBadRequest, configMessage(q.l, billing.Invalid("activity_code", billing.CodeParameterInvalid, "")))
			return
		}
		p.ActivityCode = &code
	}
	if _, err := h.app.Merchants.SetDTESettings(q.ctx, q.scope(), p); err != nil {
		h.formFailed(q, err, redo)
		return
	}
	http.Redirect(q.w, q.r, "/console/settings/tax-documents?done=saved", http.StatusSeeOther)
}
