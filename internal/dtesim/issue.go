package dtesim

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	of "github.com/cuota/cuota/internal/dte/openfactura"
)

// supportedTypes are the document types the sim issues (OpenFactura's
// demo company has folios for these and a few others).
var supportedTypes = []int{33, 34, 39, 41, 56, 61}

// maxRequest bounds a request body (OpenFactura publishes no limit).
const maxRequest = 1 << 20

// issue is POST /v2/dte/document.
func (s *Server) issue(w http.ResponseWriter, r *http.Request) {
	fault := s.takeFault()
	if fault == FaultServerError {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, "<html><body><h1>500 Internal Server Error</h1></body></html>")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxRequest))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("Validación de esquema", of.CodeSchema, of.FieldIssue{Field: "body", Issue: "no se pudo leer"}))
		return
	}
	var req of.IssueRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("Validación de esquema", of.CodeSchema, of.FieldIssue{Field: "dte", Issue: "JSON inválido"}))
		return
	}
	key := r.Header.Get(of.HeaderIdempotency)
	now := s.now()
	if key != "" {
		s.mu.Lock()
		use, seen := s.keys[key]
		s.mu.Unlock()
		if seen && now.Sub(use.at) < idempotencyWindow {
			writeJSON(w, http.StatusBadRequest, of.ErrorBody{Error: &of.ErrorDetail{
				Message: "Este DTE ya fue emitido (Idempotency-Key)", Code: of.CodeIdempotency, Token: use.token}})
			return
		}
	}
	if fault == FaultValidation {
		writeJSON(w, http.StatusBadRequest, errBody("Validación de Campos", of.CodeFields,
			of.FieldIssue{Field: "GiroRecep", Issue: "Giro inválido (falla inyectada)"}))
		return
	}
	if e := s.validate(req.DTE); e != nil {
		writeJSON(w, http.StatusBadRequest, *e)
		return
	}
	s.mu.Lock()
	// A concurrent request under the same key may have issued meanwhile.
	if use, seen := s.keys[key]; key != "" && seen && now.Sub(use.at) < idempotencyWindow {
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, of.ErrorBody{Error: &of.ErrorDetail{
			Message: "Este DTE ya fue emitido (Idempotency-Key)", Code: of.CodeIdempotency, Token: use.token}})
		return
	}
	t := req.DTE.Encabezado.IdDoc.TipoDTE
	s.folios[t]++
	d := &Document{Token: randomHex(32), Key: key, Type: t, Folio: s.folios[t], Issued: now,
		Estado: of.EstadoPendiente, Request: req.DTE, reject: fault == FaultReject}
	d.Request.Encabezado.IdDoc.Folio = d.Folio
	s.docs = append(s.docs, d)
	s.byToken[d.Token] = d
	if key != "" {
		s.keys[key] = keyUse{token: d.Token, at: now}
	}
	release := s.release
	s.mu.Unlock()

	if fault == FaultTimeoutAfterAccept {
		select {
		case <-r.Context().Done():
			return // the client gave up: its answer is lost
		case <-release:
		case <-s.closed:
			return
		}
	}
	out := of.IssueResponse{TOKEN: d.Token}
	if slices.Contains(req.Response, "FOLIO") {
		out.FOLIO = d.Folio
	}
	writeJSON(w, http.StatusOK, out)
}

// validate checks what OpenFactura's examples and catalogue show it
// checks: the type, Folio 0, the date, the issuer and receptor fields of
// the type's family, the totals against the lines (OF-10 names the
// amount it expected) and a nota de crédito's reference to a document it
// issued.
func (s *Server) validate(d of.DTE) *of.ErrorBody {
	id, em, rc, tot := d.Encabezado.IdDoc, d.Encabezado.Emisor, d.Encabezado.Receptor, d.Encabezado.Totales
	if !slices.Contains(supportedTypes, id.TipoDTE) {
		e := errBody("Tipo DTE no soportado", "OF-05", of.FieldIssue{Field: "TipoDTE", Issue: strconv.Itoa(id.TipoDTE)})
		return &e
	}
	var missing []of.FieldIssue
	need := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, of.FieldIssue{Field: field, Issue: "Requerido"})
		}
	}
	boleta := id.TipoDTE == 39 || id.TipoDTE == 41
	need("FchEmis", id.FchEmis)
	need("RUTEmisor", em.RUTEmisor)
	need("RUTRecep", rc.RUTRecep)
	if boleta {
		need("IndServicio", id.IndServicio)
		need("RznSocEmisor", em.RznSocEmisor)
		need("GiroEmisor", em.GiroEmisor)
	} else {
		need("RznSoc", em.RznSoc)
		need("GiroEmis", em.GiroEmis)
		if em.Acteco == 0 {
			missing = append(missing, of.FieldIssue{Field: "Acteco", Issue: "Requerido"})
		}
		need("RznSocRecep", rc.RznSocRecep)
		need("GiroRecep", rc.GiroRecep)
	}
	if len(d.Detalle) == 0 {
		missing = append(missing, of.FieldIssue{Field: "Detalle", Issue: "Requerido"})
	}
	if id.TipoDTE == 61 && len(d.Referencia) == 0 {
		missing = append(missing, of.FieldIssue{Field: "Referencia", Issue: "Requerido"})
	}
	if len(missing) > 0 {
		e := errBody("Faltan campos obligatorios en el dte", of.CodeMissing, missing...)
		return &e
	}
	var bad []of.FieldIssue
	if id.Folio != 0 {
		bad = append(bad, of.FieldIssue{Field: "Folio", Issue: "Debe ser 0"})
	}
	if _, err := time.Parse("2006-01-02", id.FchEmis); err != nil {
		bad = append(bad, of.FieldIssue{Field: "FchEmis", Issue: "Fecha Incorrecta"})
	}
	var taxed, exempt int64
	for i, l := range d.Detalle {
		if l.NroLinDet != i+1 {
			bad = append(bad, of.FieldIssue{Field: "NroLinDet", Issue: fmt.Sprintf("Correlativo erróneo : %d", i+1)})
		}
		if l.QtyItem*l.PrcItem != l.MontoItem {
			bad = append(bad, of.FieldIssue{Field: "MontoItem", Issue: fmt.Sprintf("Monto erróneo : %d", l.QtyItem*l.PrcItem)})
		}
		if l.IndExe == 1 {
			exempt += l.MontoItem
		} else {
			taxed += l.MontoItem
		}
	}
	exemptType := id.TipoDTE == 34 || id.TipoDTE == 41
	if exemptType && taxed != 0 {
		bad = append(bad, of.FieldIssue{Field: "IndExe", Issue: "Documento exento con ítems afectos"})
	}
	if tot.MntExe != exempt {
		bad = append(bad, of.FieldIssue{Field: "MntExe", Issue: fmt.Sprintf("Monto erróneo : %d", exempt)})
	}
	if boleta {
		if tot.MntTotal != taxed+exempt {
			bad = append(bad, of.FieldIssue{Field: "MntTotal", Issue: fmt.Sprintf("Monto erróneo : %d", taxed+exempt)})
		}
	} else if !exemptType {
		iva := (taxed*19 + 50) / 100
		if tot.MntNeto != taxed {
			bad = append(bad, of.FieldIssue{Field: "MntNeto", Issue: fmt.Sprintf("Monto erróneo : %d", taxed)})
		}
		if tot.TasaIVA != "19" {
			bad = append(bad, of.FieldIssue{Field: "TasaIVA", Issue: "Debe ser 19"})
		}
		if tot.IVA != iva {
			bad = append(bad, of.FieldIssue{Field: "IVA", Issue: fmt.Sprintf("Monto erróneo : %d", iva)})
		}
		if tot.MntTotal != taxed+iva+exempt {
			bad = append(bad, of.FieldIssue{Field: "MntTotal", Issue: fmt.Sprintf("Monto erróneo : %d", taxed+iva+exempt)})
		}
	} else if tot.MntTotal != exempt {
		bad = append(bad, of.FieldIssue{Field: "MntTotal", Issue: fmt.Sprintf("Monto erróneo : %d", exempt)})
	}
	if len(bad) > 0 {
		e := errBody("Validación de Campos", of.CodeFields, bad...)
		return &e
	}
	for _, ref := range d.Referencia {
		if !s.issued(ref.TpoDocRef, ref.FolioRef) {
			e := errBody("Validación de relaciones", "OF-09", of.FieldIssue{Field: "FolioRef",
				Issue: fmt.Sprintf("No existe el documento %s folio %s", ref.TpoDocRef, ref.FolioRef)})
			return &e
		}
	}
	return nil
}

// issued reports whether the sim issued a document of type and folio
// (both as the reference writes them).
func (s *Server) issued(typ, folio string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.docs {
		if strconv.Itoa(d.Type) == typ && strconv.FormatInt(d.Folio, 10) == folio {
			return true
		}
	}
	return false
}

func encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// typeNames are the documents' names the sim prints.
var typeNames = map[int]string{33: "FACTURA ELECTRONICA", 34: "FACTURA NO AFECTA O EXENTA ELECTRONICA",
	39: "BOLETA ELECTRONICA", 41: "BOLETA EXENTA ELECTRONICA", 56: "NOTA DE DEBITO ELECTRONICA", 61: "NOTA DE CREDITO ELECTRONICA"}

// renderPDF writes a one-page PDF naming the document, its folio, its
// issuer and its total: enough for a person or pdftotext to recognise it.
func renderPDF(d Document) []byte {
	enc := d.Request.Encabezado
	lines := []string{
		typeNames[d.Type] + " N. " + strconv.FormatInt(d.Folio, 10),
		"R.U.T.: " + enc.Emisor.RUTEmisor,
		"Receptor: " + enc.Receptor.RUTRecep,
		"Fecha: " + enc.IdDoc.FchEmis,
		"Total: $" + strconv.FormatInt(enc.Totales.MntTotal, 10),
		"Documento de prueba (dtesim)",
	}
	var text strings.Builder
	text.WriteString("BT /F1 12 Tf 50 780 Td 16 TL\n")
	for _, l := range lines {
		text.WriteString("(" + pdfEscape(l) + ") Tj T*\n")
	}
	text.WriteString("ET\n")
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", text.Len(), text.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// pdfEscape keeps a PDF string literal's ASCII (the sim's text is
// ASCII but for names, whose other characters become '?').
func pdfEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 32 || r > 126:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// renderXML writes the document's identification as the SII's XML
// names it, declared ISO-8859-1 as OpenFactura's is; the sim writes
// non-ASCII characters as references so the bytes are valid either way.
func renderXML(d Document) []byte {
	enc := d.Request.Encabezado
	esc := func(s string) string {
		var b bytes.Buffer
		_ = xmlEscape(&b, s)
		return b.String()
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="ISO-8859-1"?>
<DTE version="1.0"><Documento ID="T%dF%d"><Encabezado><IdDoc><TipoDTE>%d</TipoDTE><Folio>%d</Folio><FchEmis>%s</FchEmis></IdDoc>`+
		`<Emisor><RUTEmisor>%s</RUTEmisor></Emisor><Receptor><RUTRecep>%s</RUTRecep></Receptor>`+
		`<Totales><MntTotal>%d</MntTotal></Totales></Encabezado></Documento></DTE>
`, d.Type, d.Folio, d.Type, d.Folio, esc(enc.IdDoc.FchEmis), esc(enc.Emisor.RUTEmisor), esc(enc.Receptor.RUTRecep), enc.Totales.MntTotal)
}

func xmlEscape(b *bytes.Buffer, s string) error {
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"':
			b.WriteString("&quot;")
		case r > 126:
			fmt.Fprintf(b, "&#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return nil
}
