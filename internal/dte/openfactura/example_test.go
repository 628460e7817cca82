package openfactura_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/dte/openfactura"
)

var (
	issuer = billing.DTEIssuer{RUT: "76795561-8", LegalName: "HAULMER SPA", Activity: "VENTA AL POR MENOR POR INTERNET",
		ActivityCode: 479100, Address: billing.Address{Line1: "ARTURO PRAT 527", District: "Curicó"}}
	business = billing.DTEReceptor{RUT: "76430498-5", LegalName: "HOSTY SPA", Activity: "EMPRESAS DE SERVICIOS INTEGRALES DE INFORMATICA",
		Address: billing.Address{Line1: "Arturo Prat 527", District: "Curicó"}}
	day = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
)

// docs are one document of each type, as billing.BuildDTE lays them out.
func docs() map[billing.DTEType]billing.DTEDocument {
	return map[billing.DTEType]billing.DTEDocument{
		billing.DTEFactura: {Type: billing.DTEFactura, Key: "dte_in_1_33_1", Date: day, Issuer: issuer, Receptor: business,
			Lines:  []billing.DTELine{{Name: "Plan Pro", Quantity: 1, UnitPrice: 10000, Amount: 10000}, {Name: "Curso", Quantity: 1, UnitPrice: 500, Amount: 500, Exempt: true}},
			Totals: billing.DTETotals{Net: 10000, IVA: 1900, IVAPercent: 19, Exempt: 500, Total: 12400}},
		billing.DTEFacturaExenta: {Type: billing.DTEFacturaExenta, Key: "dte_in_1_34_1", Date: day, Issuer: issuer, Receptor: business,
			Lines:  []billing.DTELine{{Name: "Curso", Quantity: 2, UnitPrice: 1000, Amount: 2000, Exempt: true}},
			Totals: billing.DTETotals{Exempt: 2000, Total: 2000}},
		billing.DTEBoleta: {Type: billing.DTEBoleta, Key: "dte_in_1_39_1", Date: day, Issuer: issuer,
			Lines:  []billing.DTELine{{Name: "Plan Pro", Quantity: 1, UnitPrice: 11900, Amount: 11900}},
			Totals: billing.DTETotals{Net: 10000, IVA: 1900, IVAPercent: 19, Total: 11900}},
		billing.DTEBoletaExenta: {Type: billing.DTEBoletaExenta, Key: "dte_in_1_41_1", Date: day, Issuer: issuer,
			Lines:  []billing.DTELine{{Name: "Curso", Quantity: 1, UnitPrice: 2000, Amount: 2000, Exempt: true}},
			Totals: billing.DTETotals{Exempt: 2000, Total: 2000}},
		billing.DTENotaDeCredito: {Type: billing.DTENotaDeCredito, Key: "dte_cn_1_61_1", Date: day, Issuer: issuer, Receptor: business,
			Lines:     []billing.DTELine{{Name: "Plan Pro", Quantity: 1, UnitPrice: 1500, Amount: 1500}},
			Totals:    billing.DTETotals{Net: 1500, IVA: 285, IVAPercent: 19, Total: 1785},
			Reference: &billing.DTEReference{Type: billing.DTEFactura, Folio: 106, Date: day, Code: billing.DTERefCorrectAmount, Reason: "Reembolso parcial"}},
	}
}

// shape flattens a JSON document into path → JSON kind ("string",
// "number", "object", "array", "bool"); array elements share the path
// "[]".
func shape(t *testing.T, v any, path string, out map[string]string) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range x {
			shape(t, e, path+"."+k, out)
		}
	case []any:
		out[path] = "array"
		for _, e := range x {
			shape(t, e, path+"[]", out)
		}
	case string:
		out[path] = "string"
	case float64:
		out[path] = "number"
	case bool:
		out[path] = "bool"
	default:
		out[path] = fmt.Sprintf("%T", v)
	}
}

func shapeOf(t *testing.T, raw []byte) map[string]string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	out := map[string]string{}
	shape(t, v, "", out)
	return out
}

// TestRequestsMatchPublishedExamples checks each request cuota builds
// against OpenFactura's published example of the same type: every field
// sent exists there with the same JSON type (a field only the SII's
// format names, such as MntExe on a mixed factura, must exist in another
// published example, with the same type), and every field the example
// sends that OpenFactura requires for the type is sent.
func TestRequestsMatchPublishedExamples(t *testing.T) {
	t.Parallel()
	union := map[string]string{}
	examples := map[billing.DTEType]map[string]string{}
	for _, ty := range []billing.DTEType{33, 34, 39, 41, 61} {
		raw, err := os.ReadFile(filepath.Join("testdata", fmt.Sprintf("request_%d.json", ty)))
		require.NoError(t, err)
		examples[ty] = shapeOf(t, raw)
		for p, k := range examples[ty] {
			if _, ok := union[p]; !ok {
				union[p] = k
			}
		}
	}
	required := map[billing.DTEType][]string{
		billing.DTEFactura: {".dte.Encabezado.IdDoc.TipoDTE", ".dte.Encabezado.IdDoc.Folio", ".dte.Encabezado.IdDoc.FchEmis",
			".dte.Encabezado.Emisor.RUTEmisor", ".dte.Encabezado.Emisor.RznSoc", ".dte.Encabezado.Emisor.GiroEmis", ".dte.Encabezado.Emisor.Acteco",
			".dte.Encabezado.Emisor.DirOrigen", ".dte.Encabezado.Emisor.CmnaOrigen",
			".dte.Encabezado.Receptor.RUTRecep", ".dte.Encabezado.Receptor.RznSocRecep", ".dte.Encabezado.Receptor.GiroRecep",
			".dte.Encabezado.Totales.MntNeto", ".dte.Encabezado.Totales.TasaIVA", ".dte.Encabezado.Totales.IVA", ".dte.Encabezado.Totales.MntTotal",
			".dte.Detalle[].NroLinDet", ".dte.Detalle[].NmbItem", ".dte.Detalle[].QtyItem", ".dte.Detalle[].PrcItem", ".dte.Detalle[].MontoItem"},
		billing.DTEBoleta: {".dte.Encabezado.IdDoc.IndServicio", ".dte.Encabezado.Emisor.RznSocEmisor", ".dte.Encabezado.Emisor.GiroEmisor",
			".dte.Encabezado.Receptor.RUTRecep", ".dte.Encabezado.Totales.MntTotal", ".dte.Encabezado.Totales.TotalPeriodo", ".dte.Encabezado.Totales.VlrPagar"},
		billing.DTEBoletaExenta:  {".dte.Encabezado.Totales.MntExe", ".dte.Detalle[].IndExe", ".dte.Encabezado.IdDoc.IndServicio"},
		billing.DTEFacturaExenta: {".dte.Encabezado.Totales.MntExe", ".dte.Detalle[].IndExe", ".dte.Encabezado.Emisor.Acteco"},
		billing.DTENotaDeCredito: {".dte.Referencia[].NroLinRef", ".dte.Referencia[].TpoDocRef", ".dte.Referencia[].FolioRef",
			".dte.Referencia[].FchRef", ".dte.Referencia[].CodRef", ".dte.Encabezado.Totales.TasaIVA"},
	}
	for ty, doc := range docs() {
		raw, err := json.Marshal(openfactura.Request(doc))
		require.NoError(t, err)
		got := shapeOf(t, raw)
		var paths []string
		for p := range got {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
			want, ok := examples[ty][p]
			if !ok {
				want, ok = union[p]
			}
			require.True(t, ok, "type %d: %s is in no published example", ty, p)
			require.Equal(t, want, got[p], "type %d: %s has the published type", ty, p)
		}
		for _, p := range required[ty] {
			require.Contains(t, got, p, "type %d sends %s", ty, p)
		}
		// Fields that belong to the other family never leak in.
		if ty.Boleta() {
			require.NotContains(t, got, ".dte.Encabezado.Emisor.Acteco", "type %d", ty)
			require.NotContains(t, got, ".dte.Encabezado.Totales.TasaIVA", "type %d", ty)
			require.NotContains(t, got, ".dte.Encabezado.Receptor.GiroRecep", "type %d", ty)
		} else {
			require.NotContains(t, got, ".dte.Encabezado.Emisor.RznSocEmisor", "type %d", ty)
			require.NotContains(t, got, ".dte.Encabezado.IdDoc.IndServicio", "type %d", ty)
		}
	}
}

func TestRequestValues(t *testing.T) {
	t.Parallel()
	r := openfactura.Request(docs()[billing.DTEBoleta])
	require.Equal(t, []string{"FOLIO"}, r.Response)
	require.Equal(t, openfactura.IdDoc{TipoDTE: 39, Folio: 0, FchEmis: "2026-12-07", IndServicio: "3"}, r.DTE.Encabezado.IdDoc)
	require.Equal(t, openfactura.Receptor{RUTRecep: openfactura.GenericRUT}, r.DTE.Encabezado.Receptor)
	require.Equal(t, openfactura.Totales{MntTotal: 11900, TotalPeriodo: 11900, VlrPagar: 11900}, r.DTE.Encabezado.Totales)

	f := openfactura.Request(docs()[billing.DTEFactura])
	require.Equal(t, openfactura.FlexInt(1), f.DTE.Encabezado.IdDoc.FmaPago)
	require.Equal(t, "EMPRESAS DE SERVICIOS INTEGRALES DE INF", f.DTE.Encabezado.Receptor.GiroRecep[:39])
	require.LessOrEqual(t, len([]rune(f.DTE.Encabezado.Receptor.GiroRecep)), 40, "OpenFactura keeps 40 characters of GiroRecep")
	require.Equal(t, openfactura.Totales{MntNeto: 10000, MntExe: 500, TasaIVA: "19", IVA: 1900, MntTotal: 12400}, f.DTE.Encabezado.Totales)
	require.Equal(t, []openfactura.Detalle{
		{NroLinDet: 1, NmbItem: "Plan Pro", QtyItem: 1, PrcItem: 10000, MontoItem: 10000},
		{NroLinDet: 2, IndExe: 1, NmbItem: "Curso", QtyItem: 1, PrcItem: 500, MontoItem: 500},
	}, f.DTE.Detalle)

	n := openfactura.Request(docs()[billing.DTENotaDeCredito])
	require.Equal(t, []openfactura.Referencia{{NroLinRef: 1, TpoDocRef: "33", FolioRef: "106", FchRef: "2026-12-07", CodRef: "3", RazonRef: "Reembolso parcial"}}, n.DTE.Referencia)
	require.Zero(t, n.DTE.Encabezado.IdDoc.FmaPago)
}

// answers reads the documented answers.
func answers(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "answers.json"))
	require.NoError(t, err)
	var out map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

type seen struct {
	method, path, apikey, key, contentType string
	body                                   []byte
}

// server answers each request with the next of replies (status, body) and
// records what it got.
func server(t *testing.T, replies ...any) (*httptest.Server, *[]seen) {
	t.Helper()
	var got []seen
	i := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, seen{r.Method, r.URL.Path, r.Header.Get("apikey"), r.Header.Get("Idempotency-Key"), r.Header.Get("Content-Type"), b})
		if i+1 >= len(replies)+1 {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		status, body := replies[i].(int), replies[i+1].(json.RawMessage)
		i += 2
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts, &got
}

func TestIssueSendsHeadersAndReadsAnswer(t *testing.T) {
	t.Parallel()
	a := answers(t)
	ts, got := server(t, http.StatusOK, a["issued"])
	p := &openfactura.Provider{}
	creds := app.DTECredentials{APIKey: "928e15a2d14d4a6292345f04960f4bd3", BaseURL: ts.URL + "/v2/dte", Mode: billing.ModeTest}
	res, err := p.Issue(context.Background(), creds, docs()[billing.DTEBoleta])
	require.NoError(t, err)
	require.Equal(t, app.DTEIssue{Found: true, ProviderID: "b3cfd2d2ea9cb6d38fa7d6f3df3c2d43eb13598aacb83c0da9580d6de629da95", Folio: 109}, res)
	require.Len(t, *got, 1)
	s := (*got)[0]
	require.Equal(t, http.MethodPost, s.method)
	require.Equal(t, "/v2/dte/document", s.path)
	require.Equal(t, "928e15a2d14d4a6292345f04960f4bd3", s.apikey)
	require.Equal(t, "dte_in_1_39_1", s.key)
	require.Equal(t, "application/json", s.contentType)
	var body openfactura.IssueRequest
	require.NoError(t, json.Unmarshal(s.body, &body))
	require.Equal(t, openfactura.Request(docs()[billing.DTEBoleta]), body)
}

func TestLookUpResolvesOF06(t *testing.T) {
	t.Parallel()
	a := answers(t)
	ts, got := server(t, http.StatusBadRequest, a["of06"], http.StatusOK, a["json"])
	p := &openfactura.Provider{}
	creds := app.DTECredentials{APIKey: "k", BaseURL: ts.URL + "/v2/dte"}
	res, err := p.LookUp(context.Background(), creds, docs()[billing.DTEBoleta])
	require.NoError(t, err)
	require.Equal(t, app.DTEIssue{Found: true, ProviderID: "c1c13d37566dbdab5a984ab5ebf5e461fba577a3084e44a52151d25a7ded63a8", Folio: 26005}, res)
	require.Len(t, *got, 2)
	require.Equal(t, "dte_in_1_39_1", (*got)[0].key, "the replay carries the same key")
	require.Equal(t, http.MethodGet, (*got)[1].method)
	require.Equal(t, "/v2/dte/document/c1c13d37566dbdab5a984ab5ebf5e461fba577a3084e44a52151d25a7ded63a8/json", (*got)[1].path)
	require.Empty(t, (*got)[1].key)
}

func TestErrorsAreClassified(t *testing.T) {
	t.Parallel()
	a := answers(t)
	cases := []struct {
		status int
		body   json.RawMessage
		kind   app.DTEErrorKind
		code   string
		text   string
	}{
		{http.StatusBadRequest, a["of10"], app.DTEErrRefused, "OF-10", "Validación de Campos; MntNeto: Monto erróneo : 1000"},
		{http.StatusBadRequest, a["unwrapped"], app.DTEErrRefused, "OF-10", "Validación de Campos.; Error: Fecha Incorrecta"},
		{http.StatusUnauthorized, a["auth401"], app.DTEErrCredentials, "", "Access denied"},
		{http.StatusForbidden, a["auth403"], app.DTEErrCredentials, "", "Invalid authentication credentials"},
		{http.StatusTooManyRequests, a["limit429"], app.DTEErrNotSent, "", "API rate limit exceeded"},
		{http.StatusBadGateway, json.RawMessage(`<html>bad gateway</html>`), app.DTEErrAnswerLost, "", "HTTP 502"},
		{http.StatusBadRequest, json.RawMessage(`{"error":{"message":"Validación de folios","code":"OF-07"}}`), app.DTEErrNotSent, "OF-07", "folios"},
	}
	for _, c := range cases {
		ts, _ := server(t, c.status, c.body)
		_, err := (&openfactura.Provider{}).Issue(context.Background(), app.DTECredentials{APIKey: "k", BaseURL: ts.URL}, docs()[billing.DTEBoleta])
		var e *app.DTEError
		require.ErrorAs(t, err, &e, "%d %s", c.status, c.body)
		require.Equal(t, c.kind, e.Kind, "%d %s", c.status, c.body)
		require.Equal(t, c.code, e.Code)
		require.Contains(t, e.Message, c.text)
	}
}

func TestTransportFailures(t *testing.T) {
	t.Parallel()
	// Nothing listens: the dial fails, nothing was sent.
	ts := httptest.NewServer(http.NotFoundHandler())
	addr := ts.URL
	ts.Close()
	_, err := (&openfactura.Provider{}).Issue(context.Background(), app.DTECredentials{APIKey: "k", BaseURL: addr}, docs()[billing.DTEBoleta])
	require.Equal(t, app.DTEErrNotSent, app.DTEErrorKindOf(err))

	// The server takes the request and never answers; the caller gives up
	// once the server has it: the answer is lost.
	received := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		close(received)
		<-r.Context().Done() // until the client hangs up
	}))
	t.Cleanup(slow.Close)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-received
		cancel()
	}()
	_, err = (&openfactura.Provider{}).Issue(ctx, app.DTECredentials{APIKey: "k", BaseURL: slow.URL}, docs()[billing.DTEBoleta])
	require.Equal(t, app.DTEErrAnswerLost, app.DTEErrorKindOf(err))
	require.Equal(t, billing.DTEAnswerLost, app.DTEOutcomeOf(err))
	require.ErrorIs(t, err, context.Canceled)

	// The provider's own timeout ends a call that never gets an answer,
	// though the caller's context has no deadline. The round trip waits
	// for the call's context alone, so whatever the timeout and however
	// slow the machine, it is the timeout that ends it.
	hung := &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
	p := &openfactura.Provider{HTTPClient: hung, Timeout: time.Millisecond}
	_, err = p.Issue(context.Background(), app.DTECredentials{APIKey: "k", BaseURL: "http://of.invalid"}, docs()[billing.DTEBoleta])
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, app.DTEErrAnswerLost, app.DTEErrorKindOf(err), "a POST cut off may have been acted on")
	_, err = p.Status(context.Background(), app.DTECredentials{APIKey: "k", BaseURL: "http://of.invalid"}, "t")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, app.DTEErrNotSent, app.DTEErrorKindOf(err), "a GET changes nothing")
}

// roundTrip is an http.RoundTripper made of a function.
type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestStatusAndFiles(t *testing.T) {
	t.Parallel()
	a := answers(t)
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 boleta"))
	xml := base64.StdEncoding.EncodeToString([]byte("<DTE version=\"1.0\"/>"))
	ts, got := server(t,
		http.StatusOK, a["status"],
		http.StatusOK, json.RawMessage(`{"estado":"Aceptado con Reparo","token":"t"}`),
		http.StatusOK, json.RawMessage(`{"estado":"Rechazado","token":"t"}`),
		http.StatusOK, json.RawMessage(`{"estado":"Sin estado","token":"t"}`),
		http.StatusOK, json.RawMessage(`{"pdf":"`+pdf+`","folio":26005}`),
		http.StatusOK, json.RawMessage(`{"xml":"`+xml+`","token":"t"}`),
	)
	p := &openfactura.Provider{}
	creds := app.DTECredentials{APIKey: "k", BaseURL: ts.URL + "/v2/dte"}
	for _, want := range []billing.DTEOutcome{billing.DTESIIAccepted, billing.DTESIIAccepted, billing.DTESIIRejected, billing.DTESIIPending} {
		r, err := p.Status(context.Background(), creds, "t")
		require.NoError(t, err)
		require.Equal(t, want, r.Outcome, r.Text)
	}
	b, err := p.File(context.Background(), creds, "t", app.DTEFormatPDF)
	require.NoError(t, err)
	require.Equal(t, "%PDF-1.4 boleta", string(b))
	b, err = p.File(context.Background(), creds, "t", app.DTEFormatXML)
	require.NoError(t, err)
	require.Equal(t, `<DTE version="1.0"/>`, string(b))
	require.Equal(t, "/v2/dte/document/t/status", (*got)[0].path)
	require.Equal(t, "/v2/dte/document/t/pdf", (*got)[4].path)
	require.Equal(t, "/v2/dte/document/t/xml", (*got)[5].path)
	for _, s := range *got {
		require.Equal(t, http.MethodGet, s.method)
		require.Equal(t, "k", s.apikey)
	}
}
