// Package cmfsim is a fake of the CMF's UF API (internal/cmf) for tests
// and local development: the same path, API key in the query, JSON bodies
// with values in the Chilean number format, a 404 with the CMF's error
// body for a day without a value, a 401 for a bad key, and 5xx faults on
// demand.
package cmfsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/cuota/cuota/internal/cmf"
)

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	mu       sync.Mutex
	key      string
	values   map[string]string // day → Valor as the CMF writes it
	failures int               // the next requests answered 500
	requests int
}

// New returns a fake that accepts key.
func New(key string) *Server { return &Server{key: key, values: map[string]string{}} }

// Set publishes valor ("39.485,65") as the value of date (YYYY-MM-DD).
func (s *Server) Set(date, valor string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.values[date] = valor
}

// FailNext makes the next n requests answer 500.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = n
}

// Requests is how many requests the fake has answered.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Handler serves GET /uf/{yyyy}/{mm}/dias/{dd}; the base URL cuota is given
// is the address it is mounted at.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /uf/{yyyy}/{mm}/dias/{dd}", s.uf)
	mux.HandleFunc("POST /_sim/values", s.publish)
	return mux
}

// publish is POST /_sim/values {"Fecha":"2026-12-07","Valor":"39.485,65"}
// (with the API key in the query): it publishes a day's value, for local
// development.
func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("apikey") != s.key {
		writeJSON(w, http.StatusUnauthorized, cmf.ErrorBody{CodigoHTTP: 401, CodigoError: 10, Mensaje: "El apikey no es válido o no está registrado."})
		return
	}
	var v cmf.Value
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&v); err != nil || v.Fecha == "" {
		writeJSON(w, http.StatusBadRequest, cmf.ErrorBody{CodigoHTTP: 400, Mensaje: "se espera {\"Fecha\":\"AAAA-MM-DD\",\"Valor\":\"39.485,65\"}"})
		return
	}
	if _, err := cmf.ParseValor(v.Valor); err != nil {
		writeJSON(w, http.StatusBadRequest, cmf.ErrorBody{CodigoHTTP: 400, Mensaje: err.Error()})
		return
	}
	s.Set(v.Fecha, v.Valor)
	writeJSON(w, http.StatusOK, cmf.Response{UFs: []cmf.Value{v}})
}

func (s *Server) uf(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	fail := s.failures > 0
	if fail {
		s.failures--
	}
	valor, ok := s.values[fmt.Sprintf("%s-%s-%s", r.PathValue("yyyy"), r.PathValue("mm"), r.PathValue("dd"))]
	s.mu.Unlock()
	if fail {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprint(w, "<html><body><h1>500 Internal Server Error</h1></body></html>")
		return
	}
	if r.URL.Query().Get("apikey") != s.key {
		writeJSON(w, http.StatusUnauthorized, cmf.ErrorBody{CodigoHTTP: 401, CodigoError: 10,
			Mensaje: "El apikey no es válido o no está registrado."})
		return
	}
	date := r.PathValue("yyyy") + "-" + r.PathValue("mm") + "-" + r.PathValue("dd")
	if !ok {
		writeJSON(w, http.StatusNotFound, cmf.ErrorBody{CodigoHTTP: 404, CodigoError: 81,
			Mensaje: "No se encontraron datos para los parámetros ingresados."})
		return
	}
	writeJSON(w, http.StatusOK, cmf.Response{UFs: []cmf.Value{{Valor: valor, Fecha: date}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
