package web

import "net/http"

// gatewaySetupReturn is where a gateway's card page sends the customer
// back (Flow POSTs the form field token from the browser). The token is
// checked against the setup and the outcome asked of the gateway by the
// app; the request itself proves nothing. Then the browser goes on to the
// merchant's return_url.
func (h *handler) gatewaySetupReturn(w http.ResponseWriter, r *http.Request) {
	if !h.parseForm(w, r) {
		return
	}
	token := r.Form.Get("token")
	if token == "" {
		l := pickLang(r)
		h.message(w, r, http.StatusNotFound, l, l.NotFoundTitle, l.NotFoundBody)
		return
	}
	dest, err := h.app.Customers.CompleteGatewaySetup(r.Context(), r.PathValue("gateway"), r.PathValue("id"), token)
	if err != nil {
		h.fail(w, r, pickLang(r), err)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}
