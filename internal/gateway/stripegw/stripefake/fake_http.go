package stripefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

type apiError struct {
	status int
	body   map[string]any
}

func errorOf(status int, typ, code, msg string, extra map[string]any) *apiError {
	e := map[string]any{"type": typ, "message": msg}
	if code != "" {
		e["code"] = code
	}
	for k, v := range extra {
		e[k] = v
	}
	return &apiError{status: status, body: map[string]any{"error": e}}
}

func notFound(kind, id string) *apiError {
	return errorOf(http.StatusNotFound, "invalid_request_error", "resource_missing",
		fmt.Sprintf("No such %s: '%s'", kind, id), map[string]any{"param": "id"})
}

// ServeHTTP implements http.Handler.
func (f *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/c/pay/") {
		f.page(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/3ds/") {
		f.authPage(w, r)
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		writeJSON(w, http.StatusNotFound, errorOf(404, "invalid_request_error", "", "Unrecognized request URL", nil).body)
		return
	}
	if auth := r.Header.Get("Authorization"); auth != "Bearer "+f.apiKey {
		writeJSON(w, http.StatusUnauthorized, errorOf(401, "invalid_request_error", "", "Invalid API Key provided", nil).body)
		return
	}
	var form url.Values
	if r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			writeJSON(w, http.StatusBadRequest, errorOf(400, "invalid_request_error", "", "bad form", nil).body)
			return
		}
		form = r.PostForm
	} else {
		form = r.URL.Query()
	}
	key := r.Header.Get("Idempotency-Key")
	fault := FaultNone
	var slot *saved
	f.mu.Lock()
	f.requests = append(f.requests, Request{Method: r.Method, Path: r.URL.Path, Form: form, IdempotencyKey: key})
	reqIdx := len(f.requests) - 1
	if r.Method == http.MethodPost {
		if key != "" {
			fp := r.URL.Path + "?" + form.Encode()
			if s, ok := f.keys[key]; ok {
				f.mu.Unlock()
				switch {
				case s.fingerprint != fp:
					writeJSON(w, http.StatusBadRequest, errorOf(400, "idempotency_error", "",
						"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '"+key+"' if you meant to execute a different request.", nil).body)
				case !s.done:
					writeJSON(w, http.StatusConflict, errorOf(409, "invalid_request_error", "idempotency_key_in_use",
						"There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): "+key+". Please try again later.", nil).body)
				default:
					f.mu.Lock()
					f.requests[reqIdx].Replayed = true
					f.mu.Unlock()
					w.Header().Set("Idempotent-Replayed", "true")
					w.Header().Set("Idempotency-Key", key)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(s.status)
					_, _ = w.Write(s.body)
				}
				return
			}
			slot = &saved{fingerprint: fp}
			f.keys[key] = slot
		}
		for i := range f.faults {
			if f.faults[i].n > 0 && strings.HasPrefix(r.URL.Path, f.faults[i].prefix) {
				f.faults[i].n--
				fault = f.faults[i].fault
				break
			}
		}
	}
	f.mu.Unlock()

	forget := func() {
		if slot != nil {
			f.mu.Lock()
			delete(f.keys, key)
			f.mu.Unlock()
		}
	}
	switch fault {
	case FaultRateLimit:
		forget()
		writeJSON(w, http.StatusTooManyRequests, errorOf(429, "invalid_request_error", "rate_limit",
			"Too many requests hit the API too quickly.", nil).body)
		return
	case FaultServerErrorBefore:
		forget()
		writeJSON(w, http.StatusInternalServerError, errorOf(500, "api_error", "", "An unknown error occurred", nil).body)
		return
	}

	f.mu.Lock()
	status, body := f.route(r.Method, r.URL.Path, form, key)
	if fault == FaultServerErrorAfter {
		status, body = http.StatusInternalServerError, errorOf(500, "api_error", "", "An unknown error occurred", nil).body
	}
	raw, _ := json.Marshal(body)
	if slot != nil {
		if status == http.StatusBadRequest && !strings.Contains(string(raw), "idempotency") {
			// Parameter validation failures are not saved (Stripe).
			delete(f.keys, key)
		} else {
			slot.status, slot.body, slot.done = status, raw, true
		}
	}
	f.mu.Unlock()

	switch fault {
	case FaultDropAfterCommit:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		// Not hijackable (HTTP/2): abort the stream the way net/http
		// documents, which it recovers from silently. Only a test's
		// injected fault gets here.
		panic(http.ErrAbortHandler)
	case FaultHangAfterCommit:
		select {
		case <-r.Context().Done():
		case <-f.closed:
		}
		return
	}
	if key != "" {
		w.Header().Set("Idempotency-Key", key)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_fake")
	w.WriteHeader(status)
	_, _ = w.Write(raw)
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// formMap reads name[key]=value fields.
func formMap(form url.Values, name string) map[string]string {
	out := map[string]string{}
	prefix := name + "["
	for k, vs := range form {
		if strings.HasPrefix(k, prefix) && strings.HasSuffix(k, "]") && len(vs) > 0 {
			out[k[len(prefix):len(k)-1]] = vs[0]
		}
	}
	return out
}

// formList reads name[0]=a&name[1]=b fields.
func formList(form url.Values, name string) []string {
	var out []string
	for i := 0; ; i++ {
		v, ok := form[name+"["+strconv.Itoa(i)+"]"]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

func missing(param string) (int, map[string]any) {
	e := errorOf(400, "invalid_request_error", "parameter_missing", "Missing required param: "+param+".", map[string]any{"param": param})
	return e.status, e.body
}

func fail(e *apiError) (int, map[string]any) { return e.status, e.body }

// route runs one API call with f.mu held.
func (f *Server) route(method, path string, form url.Values, key string) (int, map[string]any) {
	parts := strings.Split(strings.Trim(path, "/"), "/") // v1, resource, id, action
	expand := map[string]bool{}
	for _, e := range formList(form, "expand") {
		expand[e] = true
	}
	switch {
	case method == http.MethodPost && path == "/v1/customers":
		c := &customer{ID: f.newID("cus"), Email: form.Get("email"), Name: form.Get("name"), Metadata: formMap(form, "metadata"), Created: now()}
		f.customers[c.ID] = c
		return 200, c.json()
	case method == http.MethodGet && path == "/v1/customers":
		var data []any
		for _, id := range sortedKeys(f.customers) {
			data = append(data, f.customers[id].json())
			break
		}
		return 200, list("/v1/customers", data)
	case method == http.MethodPost && path == "/v1/checkout/sessions":
		return f.createSession(form)
	case method == http.MethodGet && path == "/v1/checkout/sessions":
		return f.listSessions(form)
	case method == http.MethodGet && len(parts) == 4 && parts[1] == "checkout" && parts[2] == "sessions":
		s := f.sessions[parts[3]]
		if s == nil {
			return fail(notFound("checkout.session", parts[3]))
		}
		return 200, f.sessionJSON(s, expand)
	case method == http.MethodPost && len(parts) == 5 && parts[1] == "checkout" && parts[2] == "sessions" && parts[4] == "expire":
		s := f.sessions[parts[3]]
		if s == nil {
			return fail(notFound("checkout.session", parts[3]))
		}
		if s.Status != "open" {
			return fail(errorOf(400, "invalid_request_error", "",
				"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \""+s.Status+"\".", nil))
		}
		f.expire(s)
		return 200, f.sessionJSON(s, expand)
	case method == http.MethodGet && len(parts) == 3 && parts[1] == "setup_intents":
		si := f.setups[parts[2]]
		if si == nil {
			return fail(notFound("setup_intent", parts[2]))
		}
		return 200, f.setupJSON(si, expand["payment_method"])
	case method == http.MethodGet && len(parts) == 3 && parts[1] == "payment_methods":
		pm := f.methods[parts[2]]
		if pm == nil {
			return fail(notFound("payment_method", parts[2]))
		}
		return 200, pm.json()
	case method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_methods" && parts[3] == "attach":
		pm := f.methods[parts[2]]
		if pm == nil {
			return fail(notFound("payment_method", parts[2]))
		}
		cus := form.Get("customer")
		if f.customers[cus] == nil {
			return fail(notFound("customer", cus))
		}
		if pm.Customer != "" && pm.Customer != cus {
			return fail(errorOf(400, "invalid_request_error", "payment_method_unexpected_state",
				"The payment method you provided has already been attached to a customer.", nil))
		}
		pm.Customer = cus
		return 200, pm.json()
	case method == http.MethodPost && path == "/v1/payment_intents":
		return f.createIntent(form, key)
	case method == http.MethodGet && path == "/v1/payment_intents":
		cus := form.Get("customer")
		var data []any
		for _, id := range sortedKeys(f.intents) {
			if pi := f.intents[id]; cus == "" || pi.Customer == cus {
				data = append(data, pi.json())
			}
		}
		reverse(data) // newest first
		return 200, list("/v1/payment_intents", data)
	case method == http.MethodGet && len(parts) == 3 && parts[1] == "payment_intents":
		pi := f.intents[parts[2]]
		if pi == nil {
			return fail(notFound("payment_intent", parts[2]))
		}
		return 200, pi.json()
	case method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "confirm":
		pi := f.intents[parts[2]]
		if pi == nil {
			return fail(notFound("payment_intent", parts[2]))
		}
		return f.confirmIntent(pi, form)
	case method == http.MethodPost && len(parts) == 4 && parts[1] == "payment_intents" && parts[3] == "cancel":
		pi := f.intents[parts[2]]
		if pi == nil {
			return fail(notFound("payment_intent", parts[2]))
		}
		switch pi.Status {
		case "requires_payment_method", "requires_action", "requires_confirmation", "requires_capture":
			pi.Status, pi.CancellationReason = "canceled", form.Get("cancellation_reason")
			return 200, pi.json()
		}
		return fail(errorOf(400, "invalid_request_error", "payment_intent_unexpected_state",
			"You cannot cancel this PaymentIntent because it has a status of "+pi.Status+".", nil))
	case method == http.MethodPost && path == "/v1/refunds":
		return f.createRefund(form)
	case method == http.MethodGet && path == "/v1/refunds":
		ch := form.Get("charge")
		var data []any
		for _, id := range sortedKeys(f.refunds) {
			if re := f.refunds[id]; ch == "" || re.Charge == ch {
				data = append(data, re.json())
			}
		}
		reverse(data)
		return 200, list("/v1/refunds", data)
	case method == http.MethodGet && len(parts) == 3 && parts[1] == "refunds":
		re := f.refunds[parts[2]]
		if re == nil {
			return fail(notFound("refund", parts[2]))
		}
		return 200, re.json()
	}
	return fail(errorOf(404, "invalid_request_error", "", "Unrecognized request URL ("+method+": "+path+")", nil))
}

func sortedKeys[T any](m map[string]T) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out) // ids carry a sequence number: creation order
	return out
}

func reverse(s []any) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

func list(url string, data []any) map[string]any {
	if data == nil {
		data = []any{}
	}
	return map[string]any{"object": "list", "url": url, "has_more": false, "data": data}
}
