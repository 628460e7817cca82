// Package openfactura is cuota's adapter to OpenFactura (Haulmer), a
// provider of Chilean electronic tax documents: it implements app's
// DTEProvider port by translating a billing.DTEDocument to OpenFactura's
// JSON API and its answers back (docs/dte.md). It decides nothing: which
// document, its amounts and its key come from billing.
//
// The wire types here are OpenFactura's published shapes, named as the
// SII's XML names them (case matters); dtesim, the fake OpenFactura,
// answers in the same types.
package openfactura

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// The addresses OpenFactura publishes: development (a simulated CAF,
// nothing reaches the SII) and production.
const (
	DevBaseURL  = "https://dev-api.haulmer.com/v2/dte"
	ProdBaseURL = "https://api.haulmer.com/v2/dte"
)

// Headers OpenFactura reads.
const (
	HeaderAPIKey      = "apikey"
	HeaderIdempotency = "Idempotency-Key"
)

// IssueRequest is the body of POST /document.
type IssueRequest struct {
	// Response lists what to return besides TOKEN ("FOLIO", "PDF",
	// "XML", "TIMBRE", "LOGO", "RESOLUCION").
	Response []string `json:"response,omitempty"`
	DTE      DTE      `json:"dte"`
}

// DTE is the document, in the SII's structure.
type DTE struct {
	Encabezado Encabezado   `json:"Encabezado"`
	Detalle    []Detalle    `json:"Detalle"`
	Referencia []Referencia `json:"Referencia,omitempty"`
}

// Encabezado is the document's header.
type Encabezado struct {
	IdDoc    IdDoc    `json:"IdDoc"`
	Emisor   Emisor   `json:"Emisor"`
	Receptor Receptor `json:"Receptor"`
	Totales  Totales  `json:"Totales"`
}

// IdDoc identifies the document. Folio is always 0 on issue: OpenFactura
// assigns it.
type IdDoc struct {
	TipoDTE int    `json:"TipoDTE"`
	Folio   int64  `json:"Folio"`
	FchEmis string `json:"FchEmis"` // AAAA-MM-DD
	// IndServicio is required on boletas ("3": sales and services); the
	// published boleta example sends it as a string.
	IndServicio string `json:"IndServicio,omitempty"`
	// FmaPago is the payment form on facturas (1 contado); published
	// examples write it as a number or a string, so it reads both.
	FmaPago FlexInt `json:"FmaPago,omitempty"`
}

// Emisor is the issuer. Facturas and notas de crédito name it with
// RznSoc, GiroEmis and Acteco; boletas with RznSocEmisor and GiroEmisor
// and no Acteco.
type Emisor struct {
	RUTEmisor    string `json:"RUTEmisor"`
	RznSoc       string `json:"RznSoc,omitempty"`
	GiroEmis     string `json:"GiroEmis,omitempty"`
	RznSocEmisor string `json:"RznSocEmisor,omitempty"`
	GiroEmisor   string `json:"GiroEmisor,omitempty"`
	Acteco       int    `json:"Acteco,omitempty"`
	DirOrigen    string `json:"DirOrigen,omitempty"`
	CmnaOrigen   string `json:"CmnaOrigen,omitempty"`
	CdgSIISucur  string `json:"CdgSIISucur,omitempty"`
}

// Receptor is who the document is made out to. A boleta to an
// unidentified consumer carries the generic RUT GenericRUT alone.
type Receptor struct {
	RUTRecep    string `json:"RUTRecep"`
	RznSocRecep string `json:"RznSocRecep,omitempty"`
	GiroRecep   string `json:"GiroRecep,omitempty"`
	DirRecep    string `json:"DirRecep,omitempty"`
	CmnaRecep   string `json:"CmnaRecep,omitempty"`
}

// GenericRUT is the SII's RUT of an unidentified final consumer.
const GenericRUT = "66666666-6"

// Totales are the document's totals in pesos. TasaIVA is a string ("19")
// in every published example; boletas carry no TasaIVA and add
// TotalPeriodo and VlrPagar.
type Totales struct {
	MntNeto      int64  `json:"MntNeto,omitempty"`
	MntExe       int64  `json:"MntExe,omitempty"`
	TasaIVA      string `json:"TasaIVA,omitempty"`
	IVA          int64  `json:"IVA,omitempty"`
	MntTotal     int64  `json:"MntTotal"`
	TotalPeriodo int64  `json:"TotalPeriodo,omitempty"`
	VlrPagar     int64  `json:"VlrPagar,omitempty"`
}

// Detalle is one line. QtyItem and PrcItem are numbers with up to six
// decimals at OpenFactura; cuota sends whole ones.
type Detalle struct {
	NroLinDet int    `json:"NroLinDet"`
	IndExe    int    `json:"IndExe,omitempty"` // 1: exempt
	NmbItem   string `json:"NmbItem"`
	QtyItem   int64  `json:"QtyItem"`
	PrcItem   int64  `json:"PrcItem"`
	MontoItem int64  `json:"MontoItem"`
}

// Referencia is the document a nota de crédito corrects. TpoDocRef,
// FolioRef and CodRef are strings in the published example.
type Referencia struct {
	NroLinRef int    `json:"NroLinRef"`
	TpoDocRef string `json:"TpoDocRef"`
	FolioRef  string `json:"FolioRef"`
	FchRef    string `json:"FchRef"`
	CodRef    string `json:"CodRef"`
	RazonRef  string `json:"RazonRef,omitempty"`
}

// IssueResponse is POST /document's 200 answer (with response
// ["FOLIO"]).
type IssueResponse struct {
	TOKEN   string `json:"TOKEN"`
	FOLIO   int64  `json:"FOLIO,omitempty"`
	WARNING string `json:"WARNING,omitempty"`
}

// StatusResponse is GET /document/{token}/status. Estado is "Pendiente",
// "Aceptado", "Aceptado con Reparo" or "Rechazado" (and, undocumented,
// "Sin estado").
type StatusResponse struct {
	Estado string `json:"estado"`
	Token  string `json:"token,omitempty"`
}

// The SII statuses OpenFactura reports.
const (
	EstadoPendiente  = "Pendiente"
	EstadoAceptado   = "Aceptado"
	EstadoReparo     = "Aceptado con Reparo"
	EstadoRechazado  = "Rechazado"
	EstadoSinEstado  = "Sin estado"
	valueStatus      = "status"
	valueJSON        = "json"
	valuePDF         = "pdf"
	valueXML         = "xml"
	responseFolio    = "FOLIO"
	indServicioVenta = "3"
	fmaPagoContado   = 1
	fmaPagoCredito   = 2
)

// JSONResponse is GET /document/{token}/json: the document as issued,
// whose Folio (Encabezado.IdDoc.Folio) the published example writes as
// a string.
type JSONResponse struct {
	JSON       JSONDocument `json:"json"`
	Token      string       `json:"token,omitempty"`
	FchRecepOF string       `json:"FchRecepOF,omitempty"`
}

// JSONDocument is the part of an issued document cuota reads back.
type JSONDocument struct {
	Encabezado struct {
		IdDoc struct {
			TipoDTE FlexInt `json:"TipoDTE"`
			Folio   FlexInt `json:"Folio"`
		} `json:"IdDoc"`
	} `json:"Encabezado"`
}

// FileResponse is GET /document/{token}/pdf or /xml: the file in base64
// under "pdf" or "xml".
type FileResponse struct {
	PDF   string `json:"pdf,omitempty"`
	XML   string `json:"xml,omitempty"`
	Folio int64  `json:"folio,omitempty"`
	Token string `json:"token,omitempty"`
}

// ErrorBody is an error answer. OpenFactura wraps it in "error" on
// POST /document ({"error":{"message","code","details":[…]}}); some
// endpoints answer the same fields unwrapped with details as an object,
// and the gateway in front answers {"statusCode","message"} (401, 429).
// An OF-06 (idempotency) error carries the existing document's token.
type ErrorBody struct {
	Error      *ErrorDetail    `json:"error,omitempty"`
	StatusCode int             `json:"statusCode,omitempty"`
	Message    string          `json:"message,omitempty"`
	Code       string          `json:"code,omitempty"`
	Details    json.RawMessage `json:"details,omitempty"`
}

// ErrorDetail is the wrapped error.
type ErrorDetail struct {
	Message string `json:"message"`
	Code    string `json:"code"`
	// Details is a list of FieldIssue (or, on some endpoints, an
	// object of field → text); FieldIssues reads either.
	Details json.RawMessage `json:"details,omitempty"`
	Token   string          `json:"token,omitempty"`
}

// FieldIssues reads details in either of OpenFactura's forms: a list of
// {field, issue}, or an object of field → issue (sorted by field).
func FieldIssues(raw json.RawMessage) []FieldIssue {
	var list []FieldIssue
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	for k, v := range obj {
		list = append(list, FieldIssue{Field: k, Issue: fmt.Sprint(v)})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Field < list[j].Field })
	return list
}

// FieldIssue names one field OpenFactura refused and why.
type FieldIssue struct {
	Field string `json:"field"`
	Issue string `json:"issue"`
}

// The error codes cuota acts on.
const (
	CodeIdempotency = "OF-06" // the key was used; the token is in the body
	CodeFolios      = "OF-07" // no folios left
	CodeDatabase    = "OF-13"
	CodeUnavailable = "OF-21"
	CodePermissions = "OF-03"
	CodeFields      = "OF-10"
	CodeSchema      = "OF-08"
	CodeMissing     = "OF-02"
	CodeNotFound    = "OF-22"
)

// FlexInt reads a JSON number or a string of digits (OpenFactura writes
// folios both ways).
type FlexInt int64

// UnmarshalJSON accepts 12, "12" and null.
func (f *FlexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			return nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return err
		}
		*f = FlexInt(n)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = FlexInt(n)
	return nil
}
