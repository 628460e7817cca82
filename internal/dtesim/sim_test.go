package dtesim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/dte/openfactura"
	"github.com/cuota/cuota/internal/dtesim"
)

var (
	iva    = billing.AppliedTaxRate{ID: "txr_iva", DisplayName: "IVA", Percentage: 190000}
	issuer = billing.DTEIssuer{RUT: "76795561-8", LegalName: "Haulmer SpA", Activity: "Venta por internet", ActivityCode: 479100,
		Address: billing.Address{Line1: "Arturo Prat 527", District: "Curicó"}}
	business = billing.DTEReceptor{RUT: "76430498-5", LegalName: "Hosty SpA", Activity: "Servicios informáticos",
		Address: billing.Address{Line1: "Arturo Prat 527", District: "Curicó"}}
	day = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type env struct {
	sim   *dtesim.Server
	url   string
	creds app.DTECredentials
	p     *openfactura.Provider
	clock *clock
}

func start(t *testing.T, opts dtesim.Options) *env {
	t.Helper()
	c := &clock{now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = c.Now
	}
	sim := dtesim.New(opts)
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	t.Cleanup(sim.Close)
	return &env{sim: sim, url: ts.URL, clock: c, p: &openfactura.Provider{Timeout: 5 * time.Second},
		creds: app.DTECredentials{APIKey: sim.APIKey(), BaseURL: ts.URL + "/v2/dte", Mode: billing.ModeTest}}
}

// doc builds a document the way the app does: billing decides.
func doc(t *testing.T, ty billing.DTEType, key string, receptor billing.DTEReceptor, lines ...billing.InvoiceLine) billing.DTEDocument {
	t.Helper()
	inv := billing.Invoice{ID: "in_1", Number: "PYA-000001", Currency: "CLP", Lines: lines}
	for _, l := range lines {
		inv.Subtotal += l.Amount
	}
	tax, err := billing.ComputeInvoiceTax(lines, 0, false)
	require.NoError(t, err)
	inv.Tax, inv.TaxAmounts, inv.Total = tax.Tax, tax.Amounts, inv.Subtotal+tax.Exclusive
	d, err := billing.BuildDTE(ty, key, inv, issuer, receptor, day)
	require.NoError(t, err)
	return d
}

func plan(amount int64) billing.InvoiceLine {
	return billing.InvoiceLine{Type: billing.LineSubscription, Description: "Plan Pro", Quantity: 1, Amount: amount, TaxRates: []billing.AppliedTaxRate{iva}}
}

func course(amount int64) billing.InvoiceLine {
	return billing.InvoiceLine{Type: billing.LineSubscription, Description: "Curso", Quantity: 1, Amount: amount}
}

func TestFoliosPerTypeAndSIIDecision(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{})
	ctx := context.Background()
	b1, err := e.p.Issue(ctx, e.creds, doc(t, billing.DTEBoleta, "k1", billing.DTEReceptor{}, plan(10000)))
	require.NoError(t, err)
	require.Equal(t, int64(1), b1.Folio)
	f1, err := e.p.Issue(ctx, e.creds, doc(t, billing.DTEFactura, "k2", business, plan(10000), course(500)))
	require.NoError(t, err)
	require.Equal(t, int64(1), f1.Folio, "folios count per document type")
	b2, err := e.p.Issue(ctx, e.creds, doc(t, billing.DTEBoleta, "k3", billing.DTEReceptor{}, plan(5000)))
	require.NoError(t, err)
	require.Equal(t, int64(2), b2.Folio)
	x, err := e.p.Issue(ctx, e.creds, doc(t, billing.DTEBoletaExenta, "k4", billing.DTEReceptor{}, course(3000)))
	require.NoError(t, err)
	require.Equal(t, int64(1), x.Folio)

	st, err := e.p.Status(ctx, e.creds, b1.ProviderID)
	require.NoError(t, err)
	require.Equal(t, billing.DTESIIPending, st.Outcome, "the SII decides later")
	require.Equal(t, 4, e.sim.Settle())
	st, err = e.p.Status(ctx, e.creds, b1.ProviderID)
	require.NoError(t, err)
	require.Equal(t, billing.DTESIIAccepted, st.Outcome)
	require.Equal(t, "Aceptado", st.Text)

	pdf, err := e.p.File(ctx, e.creds, b2.ProviderID, app.DTEFormatPDF)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-1.4")))
	require.Contains(t, string(pdf), "BOLETA ELECTRONICA N. 2")
	xml, err := e.p.File(ctx, e.creds, f1.ProviderID, app.DTEFormatXML)
	require.NoError(t, err)
	require.Contains(t, string(xml), "<TipoDTE>33</TipoDTE><Folio>1</Folio>")
}

func TestSIIDelayDecidesOnItsOwn(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{SIIDelay: 3 * time.Minute})
	ctx := context.Background()
	r, err := e.p.Issue(ctx, e.creds, doc(t, billing.DTEBoleta, "k", billing.DTEReceptor{}, plan(1000)))
	require.NoError(t, err)
	st, err := e.p.Status(ctx, e.creds, r.ProviderID)
	require.NoError(t, err)
	require.Equal(t, billing.DTESIIPending, st.Outcome)
	e.clock.Add(3 * time.Minute)
	st, err = e.p.Status(ctx, e.creds, r.ProviderID)
	require.NoError(t, err)
	require.Equal(t, billing.DTESIIAccepted, st.Outcome)
}

func TestSameKeyNeverIssuesTwice(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{})
	ctx := context.Background()
	d := doc(t, billing.DTEBoleta, "dte_in_1_39_1", billing.DTEReceptor{}, plan(10000))
	first, err := e.p.Issue(ctx, e.creds, d)
	require.NoError(t, err)
	again, err := e.p.Issue(ctx, e.creds, d)
	require.NoError(t, err, "OF-06 resolves to the document already issued")
	require.Equal(t, first, again)
	require.Len(t, e.sim.Documents(), 1)

	// After OpenFactura's 24 hours the key is forgotten: the same request
	// issues again (which is why cuota stops replaying before then).
	e.clock.Add(24 * time.Hour)
	later, err := e.p.Issue(ctx, e.creds, d)
	require.NoError(t, err)
	require.NotEqual(t, first.ProviderID, later.ProviderID)
	require.Len(t, e.sim.Documents(), 2)
}

func TestTimeoutAfterAcceptResolvedByLookup(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{})
	e.sim.FaultNext(1, dtesim.FaultTimeoutAfterAccept)
	ctx := context.Background()
	d := doc(t, billing.DTEBoleta, "dte_in_9_39_1", billing.DTEReceptor{}, plan(10000))
	// The caller gives up only once the sim has issued the document and
	// is holding its answer back, however long that takes.
	calling, giveUp := context.WithCancel(ctx)
	defer giveUp()
	issued := make(chan error, 1)
	go func() {
		_, err := e.p.Issue(calling, e.creds, d)
		issued <- err
	}()
	require.Eventually(t, func() bool { return len(e.sim.Documents()) == 1 }, time.Minute, time.Millisecond,
		"the provider accepts it before the answer is lost")
	giveUp()
	err := <-issued
	require.Equal(t, app.DTEErrAnswerLost, app.DTEErrorKindOf(err))
	require.Len(t, e.sim.Documents(), 1)

	found, err := e.p.LookUp(ctx, e.creds, d)
	require.NoError(t, err)
	require.True(t, found.Found)
	docs := e.sim.Documents()
	require.Len(t, docs, 1, "exactly one document after the lookup")
	require.Equal(t, docs[0].Token, found.ProviderID)
	require.Equal(t, docs[0].Folio, found.Folio)
}

func TestServerErrorIssuesNothing(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{})
	e.sim.FaultNext(1, dtesim.FaultServerError)
	ctx := context.Background()
	d := doc(t, billing.DTEBoleta, "k", billing.DTEReceptor{}, plan(10000))
	_, err := e.p.Issue(ctx, e.creds, d)
	require.Equal(t, app.DTEErrAnswerLost, app.DTEErrorKindOf(err), "a 5xx on issue may have landed")
	require.Empty(t, e.sim.Documents())
	r, err := e.p.LookUp(ctx, e.creds, d)
	require.NoError(t, err)
	require.Equal(t, int64(1), r.Folio)
	require.Len(t, e.sim.Documents(), 1)
}

func TestRejectionAndValidation(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{})
	ctx := context.Background()
	e.sim.FaultNext(1, dtesim.FaultReject)
	r, err := e.p.Issue(ctx, e.creds, doc(t, billing.DTEFactura, "k1", business, plan(10000)))
	require.NoError(t, err)
	e.sim.Settle()
	st, err := e.p.Status(ctx, e.creds, r.ProviderID)
	require.NoError(t, err)
	require.Equal(t, billing.DTESIIRejected, st.Outcome)
	require.Equal(t, "Rechazado", st.Text)

	e.sim.FaultNext(1, dtesim.FaultValidation)
	_, err = e.p.Issue(ctx, e.creds, doc(t, billing.DTEFactura, "k2", business, plan(10000)))
	var de *app.DTEError
	require.ErrorAs(t, err, &de)
	require.Equal(t, app.DTEErrRefused, de.Kind)
	require.Equal(t, "OF-10", de.Code)
	require.Contains(t, de.Message, "GiroRecep")

	// A factura to a receptor without giro is refused as OpenFactura does.
	noGiro := business
	noGiro.Activity = ""
	_, err = e.p.Issue(ctx, e.creds, doc(t, billing.DTEFactura, "k3", noGiro, plan(10000)))
	require.ErrorAs(t, err, &de)
	require.Equal(t, "OF-02", de.Code)
	require.Contains(t, de.Message, "GiroRecep: Requerido")

	// Totals that do not add up name the expected amount.
	bad := doc(t, billing.DTEFactura, "k4", business, plan(10000))
	bad.Totals.IVA = 1899
	_, err = e.p.Issue(ctx, e.creds, bad)
	require.ErrorAs(t, err, &de)
	require.Equal(t, "OF-10", de.Code)
	require.Contains(t, de.Message, "IVA: Monto erróneo : 1900")
	require.Len(t, e.sim.Documents(), 1, "refused documents use no folio")

	_, err = (&openfactura.Provider{}).Issue(ctx, app.DTECredentials{APIKey: "wrong", BaseURL: e.creds.BaseURL}, doc(t, billing.DTEBoleta, "k5", billing.DTEReceptor{}, plan(1)))
	require.Equal(t, app.DTEErrCredentials, app.DTEErrorKindOf(err))
}

func TestCreditNoteReferencesAnIssuedFolio(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{})
	ctx := context.Background()
	orig, err := e.p.Issue(ctx, e.creds, doc(t, billing.DTEBoleta, "k1", billing.DTEReceptor{}, plan(10000)))
	require.NoError(t, err)
	note := doc(t, billing.DTEFactura, "dte_cn_1_61_1", business, plan(4000))
	note.Type = billing.DTENotaDeCredito
	note.Reference = &billing.DTEReference{Type: billing.DTEBoleta, Folio: orig.Folio, Date: day, Code: billing.DTERefCorrectAmount, Reason: "Reembolso"}
	r, err := e.p.IssueCreditNote(ctx, e.creds, note)
	require.NoError(t, err)
	require.Equal(t, int64(1), r.Folio)

	note.Key = "dte_cn_2_61_1"
	note.Reference.Folio = 99
	_, err = e.p.IssueCreditNote(ctx, e.creds, note)
	var de *app.DTEError
	require.ErrorAs(t, err, &de)
	require.Equal(t, "OF-09", de.Code)
}

func TestAuthAndAdminEndpoints(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{APIKey: "928e15a2d14d4a6292345f04960f4bd3"})
	resp, err := http.Post(e.url+"/v2/dte/document", "application/json", bytes.NewReader([]byte(`{}`)))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, body["message"], "missing subscription key")

	req, _ := http.NewRequest(http.MethodPost, e.url+"/_sim/faults", bytes.NewReader([]byte(`{"fault":"reject"}`)))
	req.Header.Set("apikey", e.sim.APIKey())
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	r, err := e.p.Issue(context.Background(), e.creds, doc(t, billing.DTEBoleta, "k", billing.DTEReceptor{}, plan(100)))
	require.NoError(t, err)
	req, _ = http.NewRequest(http.MethodPost, e.url+"/_sim/settle", nil)
	req.Header.Set("apikey", e.sim.APIKey())
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	st, err := e.p.Status(context.Background(), e.creds, r.ProviderID)
	require.NoError(t, err)
	require.Equal(t, billing.DTESIIRejected, st.Outcome)

	req, _ = http.NewRequest(http.MethodPost, e.url+"/_sim/faults", bytes.NewReader([]byte(`{"fault":"explode"}`)))
	req.Header.Set("apikey", e.sim.APIKey())
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

// TestAcceptsPublishedExamples sends OpenFactura's own published request
// bodies, byte for byte, to the sim: each is issued (the 61 is refused
// only because the factura it references, folio 106, was never issued
// here).
func TestAcceptsPublishedExamples(t *testing.T) {
	t.Parallel()
	e := start(t, dtesim.Options{})
	for _, ty := range []int{33, 34, 39, 41, 61} {
		raw, err := os.ReadFile(filepath.Join("..", "dte", "openfactura", "testdata", fmt.Sprintf("request_%d.json", ty)))
		require.NoError(t, err)
		req, _ := http.NewRequest(http.MethodPost, e.url+"/v2/dte/document", bytes.NewReader(raw))
		req.Header.Set("apikey", e.sim.APIKey())
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var body map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		resp.Body.Close()
		if ty == 61 {
			require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%v", body)
			require.Equal(t, "OF-09", body["error"].(map[string]any)["code"])
			continue
		}
		require.Equal(t, http.StatusOK, resp.StatusCode, "type %d: %v", ty, body)
		require.Len(t, body["TOKEN"], 64)
		require.EqualValues(t, 1, body["FOLIO"])
	}
}
