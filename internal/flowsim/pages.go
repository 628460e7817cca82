package flowsim

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"

	"github.com/cuota/cuota/internal/gateway/flow"
)

// The hosted pages are plain HTML forms (no JavaScript needed except the
// automatic return): a browser driver, or a test with net/http, can walk
// them. Element ids are stable: #register / #cancel on the enrolment page,
// radio inputs #card-<number> (on both pages); #pay / #reject / #cancel on
// the payment page; #flowsim-return (form) and #continue (button) on the
// return page.

var pageTemplates = template.Must(template.New("layout").Parse(`
{{define "head"}}<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>{{.}} · Flow (flowsim)</title>
<style>body{font-family:sans-serif;max-width:38em;margin:2em auto}label{display:block;margin:.4em 0}
button{margin:.5em .5em 0 0;padding:.4em 1em}.note{color:#666;font-size:.9em}</style></head><body>
<p class="note">flowsim — a simulated Flow.cl. No real money moves.</p>{{end}}

{{define "enrol"}}{{template "head" "Registrar tarjeta"}}
<h1>Registrar tarjeta</h1>
<form method="post" action="{{.Path}}">
<input type="hidden" name="token" value="{{.Token}}">
{{range $i, $c := .Cards}}<label><input type="radio" name="card" id="card-{{$c.Number}}" value="{{$c.Number}}"{{if eq $i 0}} checked{{end}}>
{{$c.Brand}} •••• {{$c.Last4}} — {{$c.Description}}</label>
{{end}}<button type="submit" name="action" value="register" id="register">Registrar</button>
<button type="submit" name="action" value="cancel" id="cancel">Cancelar</button>
</form></body></html>{{end}}

{{define "pay"}}{{template "head" "Pagar"}}
<h1>Pagar</h1>
<p id="subject">{{.Subject}}</p>
<p>Orden <span id="commerce-order">{{.CommerceOrder}}</span> · Monto <span id="amount">{{.Amount}}</span> {{.Currency}}</p>
<form method="post" action="{{.Path}}">
<input type="hidden" name="token" value="{{.Token}}">
{{range $i, $c := .Cards}}<label><input type="radio" name="card" id="card-{{$c.Number}}" value="{{$c.Number}}"{{if eq $i 0}} checked{{end}}>
{{$c.Brand}} •••• {{$c.Last4}} — {{$c.Description}}</label>
{{end}}<button type="submit" name="action" value="pay" id="pay">Pagar</button>
<button type="submit" name="action" value="reject" id="reject">Rechazar</button>
<button type="submit" name="action" value="cancel" id="cancel">Anular</button>
</form></body></html>{{end}}

{{define "return"}}{{template "head" "Volviendo al comercio"}}
<p>{{.Message}}</p>
<form id="flowsim-return" method="post" action="{{.URL}}">
<input type="hidden" name="token" value="{{.Token}}">
<button type="submit" id="continue">Volver al comercio</button>
</form>
<script>document.getElementById("flowsim-return").submit();</script>
</body></html>{{end}}

{{define "message"}}{{template "head" "Flow"}}
<h1 id="message">{{.}}</h1></body></html>{{end}}

{{define "index"}}{{template "head" "flowsim"}}
<h1>flowsim</h1>
<p>API at <code>/api/&lt;service&gt;/&lt;method&gt;</code>. Test cards for enrolment:</p>
<ul>{{range .}}<li><code>{{.Number}}</code> {{.Brand}} — {{.Description}}</li>{{end}}</ul>
</body></html>{{end}}
`))

// renderPage writes a template with a status.
func renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "flowsim: render page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func messagePage(w http.ResponseWriter, status int, msg string) {
	renderPage(w, status, "message", msg)
}

// returnPage sends the browser to target by an automatic form POST of token,
// as Flow returns to url_return / urlReturn.
func returnPage(w http.ResponseWriter, target, token, msg string) {
	renderPage(w, http.StatusOK, "return", map[string]string{"URL": target, "Token": token, "Message": msg})
}

// formValues parses a hosted page's form (bounded).
func formValues(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		messagePage(w, http.StatusBadRequest, "Formulario inválido")
		return false
	}
	return true
}

func (s *Server) serveIndex(w http.ResponseWriter, _ *http.Request) {
	renderPage(w, http.StatusOK, "index", testCards)
}

func (s *Server) serveEnrolPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	s.mu.Lock()
	reg, ok := s.st.registrations[token]
	done := ok && reg.done
	s.mu.Unlock()
	switch {
	case !ok:
		messagePage(w, http.StatusNotFound, "Token inválido")
	case done:
		messagePage(w, http.StatusConflict, "Este registro de tarjeta ya terminó")
	default:
		renderPage(w, http.StatusOK, "enrol", map[string]any{"Path": enrolPath, "Token": token, "Cards": testCards})
	}
}

func (s *Server) submitEnrolPage(w http.ResponseWriter, r *http.Request) {
	if !formValues(w, r) {
		return
	}
	token := r.PostForm.Get("token")
	card := r.PostForm.Get("card")
	if r.PostForm.Get("action") == "cancel" {
		card = ""
	}
	target, err := s.CompleteRegistration(token, card)
	switch {
	case errors.Is(err, ErrUnknownToken):
		messagePage(w, http.StatusNotFound, "Token inválido")
	case errors.Is(err, ErrAlreadyCompleted):
		messagePage(w, http.StatusConflict, "Este registro de tarjeta ya terminó")
	case err != nil:
		messagePage(w, http.StatusBadRequest, "Tarjeta inválida")
	default:
		returnPage(w, target, token, "Registro terminado, volviendo al comercio…")
	}
}

// CompleteRegistration finishes a customer/register enrolment as the person
// would on the hosted page, with one of TestCards (by number), or with ""
// for a person who cancelled. A card that enrols replaces the customer's
// card; CardEnrolFails and "" leave it as it was and make getRegisterStatus
// answer "0". It returns the url_return the browser goes back to (with a
// POST of token).
func (s *Server) CompleteRegistration(token, cardNumber string) (string, error) {
	var card *TestCard
	if cardNumber != "" {
		c, ok := findCard(cardNumber)
		if !ok {
			return "", ErrUnknownCard
		}
		card = &c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	reg, ok := s.st.registrations[token]
	if !ok {
		return "", ErrUnknownToken
	}
	if reg.done {
		return "", ErrAlreadyCompleted
	}
	reg.done = true
	if card != nil && card.Enrols {
		reg.card = card
		if c, ok := s.st.customers[reg.customerID]; ok {
			c.card = card
			c.registered = s.now()
			c.paidOnCard = 0
		}
	}
	return reg.urlReturn, nil
}

func (s *Server) servePayPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	s.mu.Lock()
	o, ok := s.st.byToken[token]
	var data map[string]any
	pending, expired := false, false
	if ok && o.kind == KindPayment {
		pending = o.status == flow.PaymentPending
		expired = o.expired(s.now())
		data = map[string]any{
			"Path": payPath, "Token": token, "Subject": o.subject, "CommerceOrder": o.commerceOrder,
			"Amount": strconv.FormatInt(o.amount, 10), "Currency": o.currency, "Cards": testCards,
		}
	}
	s.mu.Unlock()
	switch {
	case data == nil:
		messagePage(w, http.StatusNotFound, "Token inválido")
	case !pending:
		messagePage(w, http.StatusConflict, "Este pago ya fue procesado")
	case expired:
		messagePage(w, http.StatusGone, "Esta orden de pago expiró")
	default:
		renderPage(w, http.StatusOK, "pay", data)
	}
}

func (s *Server) submitPayPage(w http.ResponseWriter, r *http.Request) {
	if !formValues(w, r) {
		return
	}
	token := r.PostForm.Get("token")
	card := r.PostForm.Get("card")
	var status int
	var msg string
	switch r.PostForm.Get("action") {
	case "pay":
		status, msg = flow.PaymentPaid, "Pago aprobado, volviendo al comercio…"
	case "reject":
		status, msg = flow.PaymentRejected, "Pago rechazado, volviendo al comercio…"
	case "cancel":
		status, msg = flow.PaymentCancelled, "Pago anulado, volviendo al comercio…"
	default:
		messagePage(w, http.StatusBadRequest, "Acción inválida")
		return
	}
	// The confirmation goes out even if the browser leaves meanwhile.
	ctx := context.WithoutCancel(r.Context())
	var err error
	if status == flow.PaymentPaid && card != "" {
		// The person paid with a card: the card decides (a form without
		// one, e.g. a test's plain POST, pays).
		_, err = s.PayWithCard(ctx, token, card)
	} else {
		_, err = s.CompletePayment(ctx, token, status)
	}
	if err != nil {
		switch {
		case errors.Is(err, ErrAlreadyCompleted):
			messagePage(w, http.StatusConflict, "Este pago ya fue procesado")
		case errors.Is(err, ErrExpired):
			messagePage(w, http.StatusGone, "Esta orden de pago expiró")
		case errors.Is(err, ErrUnknownCard):
			messagePage(w, http.StatusBadRequest, "Tarjeta inválida")
		default:
			messagePage(w, http.StatusNotFound, "Token inválido")
		}
		return
	}
	s.mu.Lock()
	o := s.st.byToken[token]
	target := o.urlReturn
	if o.status == flow.PaymentRejected {
		msg = "Pago rechazado, volviendo al comercio…"
	}
	s.mu.Unlock()
	returnPage(w, target, token, msg)
}
