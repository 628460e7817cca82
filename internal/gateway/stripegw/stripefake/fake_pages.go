package stripefake

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

var pageTmpl = template.Must(template.New("p").Parse(`<!doctype html><title>Fake Stripe Checkout</title>
<form method="post" action="/c/pay/{{.ID}}"><input name="card" value="4242424242424242">{{if eq .Mode "payment"}}<button name="action" value="pay">Pay</button>{{else}}<button name="action" value="save">Save card</button>{{end}}<button name="action" value="cancel">Back</button></form>`))

var authTmpl = template.Must(template.New("a").Parse(`<!doctype html><title>Fake 3-D Secure</title>
<form method="post" action="/3ds/{{.}}"><button name="action" value="complete">Complete authentication</button><button name="action" value="fail">Fail authentication</button></form>`))

// page is the fake Stripe-hosted Checkout page of a session: GET shows a
// form; POST card=…&action=save (setup mode) or action=pay (payment mode)
// completes the session and redirects to success_url (with the session
// id), action=cancel to cancel_url. A payment whose card needs
// authentication goes to the fake's 3-D Secure page first; a declined one
// is a 402 (the session stays open, as Checkout lets the customer retry).
func (f *Server) page(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/c/pay/")
	f.mu.Lock()
	s := f.sessions[id]
	var mode string
	if s != nil {
		mode = s.Mode
	}
	f.mu.Unlock()
	if s == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = pageTmpl.Execute(w, map[string]string{"ID": id, "Mode": mode})
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		http.Redirect(w, r, s.CancelURL, http.StatusSeeOther)
		return
	}
	var dest string
	var err error
	if mode == "payment" {
		dest, err = f.PayCheckout(id, r.PostForm.Get("card"))
		if errors.Is(err, ErrRequiresAction) {
			http.Redirect(w, r, "/3ds/"+f.SessionIntent(id), http.StatusSeeOther)
			return
		}
		var d *DeclineError
		if errors.As(err, &d) {
			http.Error(w, d.Error(), http.StatusPaymentRequired)
			return
		}
	} else {
		dest, err = f.CompleteCheckout(id, r.PostForm.Get("card"))
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// authPage is the fake bank's 3-D Secure page of a PaymentIntent waiting
// in requires_action: GET shows it; POST action=complete authenticates
// (the PaymentIntent succeeds), action=fail fails it; either way the
// browser goes to the confirmation's return_url (with Stripe's
// payment_intent and redirect_status parameters), or for a Checkout
// Session's PaymentIntent back to Checkout (its success_url once paid).
func (f *Server) authPage(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/3ds/")
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = authTmpl.Execute(w, id)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	ok := r.PostForm.Get("action") == "complete"
	if err := f.Authenticate(id, ok); err != nil {
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	f.mu.Lock()
	pi := f.intents[id]
	dest, status := pi.ReturnURL, pi.Status
	if s := f.sessions[pi.Session]; s != nil {
		dest = f.baseURL + "/c/pay/" + s.ID
		if status == "succeeded" {
			dest = strings.ReplaceAll(s.SuccessURL, "{CHECKOUT_SESSION_ID}", s.ID)
		}
	} else if dest != "" {
		redirect := "succeeded"
		if status != "succeeded" {
			redirect = "failed"
		}
		sep := "?"
		if strings.Contains(dest, "?") {
			sep = "&"
		}
		dest += sep + url.Values{"payment_intent": {pi.ID}, "payment_intent_client_secret": {pi.ID + "_secret_fake"},
			"redirect_status": {redirect}}.Encode()
	}
	f.mu.Unlock()
	if dest == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}
