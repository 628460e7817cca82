// Package dtesim is a fake OpenFactura (Haulmer) for tests and demos,
// faithful to the API OpenFactura publishes (docs/dte.md): POST
// /v2/dte/document with the apikey header and an Idempotency-Key (a
// repeated key answers OF-06 with the existing document's token), folios
// assigned per document type, GET /v2/dte/document/{token}/{status, json,
// pdf, xml}, its error bodies, and the SII's acceptance or rejection
// arriving later. Faults (an answer withheld after the document was
// issued, 5xx, a rejection by the SII, a validation error) can be
// injected at run time.
//
//	sim := dtesim.New(dtesim.Options{})
//	ts := httptest.NewServer(sim)
//	defer ts.Close()
//	defer sim.Close() // runs first: releases withheld answers
//	creds := app.DTECredentials{APIKey: sim.APIKey(), BaseURL: ts.URL + "/v2/dte"}
//
// It answers in the adapter's wire types (internal/dte/openfactura),
// which the adapter's tests check against OpenFactura's published
// examples.
package dtesim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	of "github.com/cuota/cuota/internal/dte/openfactura"
)

// Options configures a Server; the zero value works with a random key.
type Options struct {
	// APIKey is the key the server accepts; empty = random.
	APIKey string
	// SIIDelay is how long after issue the SII decides (read on each
	// status call against Now); 0 = only when Settle is called, which
	// keeps tests deterministic.
	SIIDelay time.Duration
	// Now is the clock (emission dates, the 24-hour idempotency window,
	// SIIDelay); nil = time.Now.
	Now func() time.Time
	// Logger logs one line per call (never the key); nil = none.
	Logger *slog.Logger
}

// Fault is an injected behaviour of POST /document.
type Fault string

// Faults.
const (
	// FaultNone: no injected behaviour.
	FaultNone Fault = ""
	// FaultTimeoutAfterAccept: the document is issued (folio used, key
	// remembered), then the answer is withheld until the client gives up
	// or Release is called.
	FaultTimeoutAfterAccept Fault = "timeout_after_accept"
	// FaultServerError: HTTP 500 with an HTML body, before anything is
	// recorded.
	FaultServerError Fault = "server_error"
	// FaultReject: the document is issued; the SII rejects it.
	FaultReject Fault = "reject"
	// FaultValidation: 400 OF-10 naming a field; nothing is issued.
	FaultValidation Fault = "validation_error"
)

func (f Fault) valid() bool {
	return slices.Contains([]Fault{FaultNone, FaultTimeoutAfterAccept, FaultServerError, FaultReject, FaultValidation}, f)
}

// Document is one issued document as the sim keeps it.
type Document struct {
	Token   string
	Key     string // the Idempotency-Key it was issued under ("" if none)
	Type    int
	Folio   int64
	Issued  time.Time
	Estado  string // of.EstadoPendiente, EstadoAceptado or EstadoRechazado
	Request of.DTE
	reject  bool // the SII will reject it (FaultReject)
}

// idempotencyWindow is how long OpenFactura remembers a key.
const idempotencyWindow = 24 * time.Hour

type keyUse struct {
	token string
	at    time.Time
}

// Server is the fake; safe for concurrent use.
type Server struct {
	opts   Options
	apiKey string
	mux    *http.ServeMux

	mu      sync.Mutex
	docs    []*Document
	byToken map[string]*Document
	keys    map[string]keyUse
	folios  map[int]int64
	faults  []Fault
	release chan struct{}
	closed  chan struct{}
	once    sync.Once
}

// New returns a Server.
func New(opts Options) *Server {
	s := &Server{opts: opts, apiKey: opts.APIKey, byToken: map[string]*Document{}, keys: map[string]keyUse{},
		folios: map[int]int64{}, release: make(chan struct{}), closed: make(chan struct{})}
	if s.apiKey == "" {
		s.apiKey = randomHex(16)
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /v2/dte/document", s.issue)
	s.mux.HandleFunc("GET /v2/dte/document/{token}/{value}", s.read)
	s.mux.HandleFunc("GET /v2/dte/organization/document", s.organizationDocuments)
	s.mux.HandleFunc("POST /_sim/faults", s.setFaults)
	s.mux.HandleFunc("POST /_sim/settle", s.settle)
	s.mux.HandleFunc("GET /_sim/documents", s.listDocuments)
	return s
}

// APIKey is the key the server accepts.
func (s *Server) APIKey() string { return s.apiKey }

// Close releases every withheld answer; call it before closing the
// HTTP server.
func (s *Server) Close() { s.once.Do(func() { close(s.closed) }) }

func (s *Server) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// ServeHTTP checks the apikey header as OpenFactura's gateway does, then
// routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.opts.Logger != nil {
		s.opts.Logger.Info("dtesim", "method", r.Method, "path", r.URL.Path)
	}
	switch key := r.Header.Get(of.HeaderAPIKey); {
	case key == "":
		writeJSON(w, http.StatusUnauthorized, of.ErrorBody{StatusCode: http.StatusUnauthorized,
			Message: "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."})
		return
	case key != s.apiKey:
		writeJSON(w, http.StatusUnauthorized, of.ErrorBody{StatusCode: http.StatusUnauthorized,
			Message: "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."})
		return
	}
	if !strings.HasPrefix(r.URL.Path, "/v2/dte/") && !strings.HasPrefix(r.URL.Path, "/_sim/") {
		writeJSON(w, http.StatusNotFound, of.ErrorBody{StatusCode: http.StatusNotFound, Message: "Resource not found"})
		return
	}
	s.mux.ServeHTTP(w, r)
}

// FaultNext applies f to the next n POST /document calls (replacing any
// pending ones); FaultNone clears them.
func (s *Server) FaultNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = s.faults[:0]
	if !f.valid() || f == FaultNone {
		return
	}
	for range max(n, 0) {
		s.faults = append(s.faults, f)
	}
}

func (s *Server) takeFault() Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return FaultNone
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f
}

// Release lets every answer withheld so far go out to clients still
// waiting for it.
func (s *Server) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.release)
	s.release = make(chan struct{})
}

// Settle has the SII decide every pending document now: accepted, or
// rejected when FaultReject marked it. It returns how many it decided.
func (s *Server) Settle() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.docs {
		if d.Estado == of.EstadoPendiente {
			s.decide(d)
			n++
		}
	}
	return n
}

// decide sets d's SII status; s.mu is held.
func (s *Server) decide(d *Document) {
	d.Estado = of.EstadoAceptado
	if d.reject {
		d.Estado = of.EstadoRechazado
	}
}

// Documents returns a copy of every issued document, oldest first.
func (s *Server) Documents() []Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Document, 0, len(s.docs))
	for _, d := range s.docs {
		s.age(d)
		out = append(out, *d)
	}
	return out
}

// age lets the SII decide d once SIIDelay has passed; s.mu is held.
func (s *Server) age(d *Document) {
	if d.Estado == of.EstadoPendiente && s.opts.SIIDelay > 0 && !s.now().Before(d.Issued.Add(s.opts.SIIDelay)) {
		s.decide(d)
	}
}

func (s *Server) read(w http.ResponseWriter, r *http.Request) {
	token, value := r.PathValue("token"), r.PathValue("value")
	s.mu.Lock()
	d, ok := s.byToken[token]
	var doc Document
	if ok {
		s.age(d)
		doc = *d
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusBadRequest, errBody("Problema al procesar los datos", of.CodeNotFound,
			of.FieldIssue{Field: "problema", Issue: "Documento no encontrado"}))
		return
	}
	switch value {
	case "status":
		writeJSON(w, http.StatusOK, of.StatusResponse{Estado: doc.Estado, Token: doc.Token})
	case "json":
		writeJSON(w, http.StatusOK, map[string]any{"json": issuedJSON(doc), "token": doc.Token,
			"FchRecepOF": doc.Issued.Format("2006-01-02 15:04:05.0000"), "FchRecepSII": ""})
	case "pdf":
		writeJSON(w, http.StatusOK, of.FileResponse{PDF: encode(renderPDF(doc)), Folio: doc.Folio})
	case "xml":
		writeJSON(w, http.StatusOK, of.FileResponse{XML: encode(renderXML(doc)), Token: doc.Token})
	case "cedible":
		if doc.Type == 39 || doc.Type == 41 {
			writeJSON(w, http.StatusBadRequest, errBody("Validación de Campos", of.CodeFields, of.FieldIssue{Field: "Documento", Issue: "Documento sin cedible"}))
			return
		}
		writeJSON(w, http.StatusOK, of.FileResponse{PDF: encode(renderPDF(doc)), Folio: doc.Folio})
	default:
		writeJSON(w, http.StatusBadRequest, errBody("Validación de Campos", of.CodeFields, of.FieldIssue{Field: "Error", Issue: value + " es Incorrecto"}))
	}
}

// issuedJSON is the document as GET …/json answers it: what was sent,
// with the assigned folio, and TipoDTE and Folio written as strings as in
// the published example.
func issuedJSON(d Document) map[string]any {
	raw, _ := json.Marshal(d.Request)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	enc, _ := m["Encabezado"].(map[string]any)
	if id, ok := enc["IdDoc"].(map[string]any); ok {
		id["TipoDTE"] = fmt.Sprint(d.Type)
		id["Folio"] = fmt.Sprint(d.Folio)
	}
	return m
}

// organizationDocuments answers GET /organization/document: the types
// the sim issues, each with plenty of folios.
func (s *Server) organizationDocuments(w http.ResponseWriter, _ *http.Request) {
	type avail struct {
		DTE         int    `json:"dte"`
		Disponibles int64  `json:"disponibles"`
		Vencimiento string `json:"vencimiento"`
	}
	var out []avail
	exp := s.now().AddDate(1, 0, 0).Format("2006-01-02")
	s.mu.Lock()
	for _, t := range supportedTypes {
		out = append(out, avail{DTE: t, Disponibles: 100000 - s.folios[t], Vencimiento: exp})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"rut": "76795561-8", "documentos": out})
}

// setFaults is POST /_sim/faults {"fault": "reject", "count": 1}, the
// standalone server's FaultNext.
func (s *Server) setFaults(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fault Fault `json:"fault"`
		Count int   `json:"count"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&in); err != nil || !in.Fault.valid() {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "fault must be one of timeout_after_accept, server_error, reject, validation_error, or empty"})
		return
	}
	if in.Count == 0 {
		in.Count = 1
	}
	s.FaultNext(in.Count, in.Fault)
	writeJSON(w, http.StatusOK, map[string]any{"fault": in.Fault, "count": in.Count})
}

func (s *Server) settle(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]int{"settled": s.Settle()})
}

func (s *Server) listDocuments(w http.ResponseWriter, _ *http.Request) {
	type row struct {
		Token  string `json:"token"`
		Key    string `json:"idempotency_key"`
		Type   int    `json:"dte"`
		Folio  int64  `json:"folio"`
		Estado string `json:"estado"`
		Total  int64  `json:"total"`
	}
	out := []row{}
	for _, d := range s.Documents() {
		out = append(out, row{d.Token, d.Key, d.Type, d.Folio, d.Estado, d.Request.Encabezado.Totales.MntTotal})
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func errBody(message, code string, details ...of.FieldIssue) of.ErrorBody {
	e := &of.ErrorDetail{Message: message, Code: code}
	if len(details) > 0 {
		raw, _ := json.Marshal(details)
		e.Details = raw
	}
	return of.ErrorBody{Error: e}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
