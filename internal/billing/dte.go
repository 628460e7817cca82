package billing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/money"
)

// DTEType is the SII's code of an electronic tax document (documento
// tributario electrónico): the number every provider and the SII's XML
// call TipoDTE (docs/dte.md).
type DTEType int

// PrefixTaxDocument starts the id of a tax document emission.
const PrefixTaxDocument = "dte_"

// The document types cuota issues.
const (
	DTEFactura       DTEType = 33 // factura electrónica
	DTEFacturaExenta DTEType = 34 // factura no afecta o exenta electrónica
	DTEBoleta        DTEType = 39 // boleta electrónica
	DTEBoletaExenta  DTEType = 41 // boleta exenta electrónica
	DTENotaDeCredito DTEType = 61 // nota de crédito electrónica
	dteIVAPercentage         = 19 * PercentageScale
)

// Valid reports whether cuota issues documents of type t.
func (t DTEType) Valid() bool {
	switch t {
	case DTEFactura, DTEFacturaExenta, DTEBoleta, DTEBoletaExenta, DTENotaDeCredito:
		return true
	}
	return false
}

// Boleta reports whether t is a boleta (39, 41), whose lines carry IVA
// inside and whose issuer and totals are named differently from a
// factura's.
func (t DTEType) Boleta() bool { return t == DTEBoleta || t == DTEBoletaExenta }

// Exempt reports whether t carries no IVA at all (34, 41).
func (t DTEType) Exempt() bool { return t == DTEFacturaExenta || t == DTEBoletaExenta }

// dteNames are the documents' legal names, the only place they are
// written (the invoice page, its PDF and the emails take them from
// DocumentKind.Name, which reads them here).
var dteNames = map[string]map[DTEType]string{
	"es": {
		DTEFactura:       "Factura electrónica",
		DTEFacturaExenta: "Factura exenta electrónica",
		DTEBoleta:        "Boleta electrónica",
		DTEBoletaExenta:  "Boleta exenta electrónica",
		DTENotaDeCredito: "Nota de crédito electrónica",
	},
	// The SII's documents keep their Chilean names in English too: they
	// are legal terms with no exact equivalent, and a customer looks
	// them up by that name.
	"en": {
		DTEFactura:       "Electronic invoice (factura)",
		DTEFacturaExenta: "Electronic exempt invoice (factura exenta)",
		DTEBoleta:        "Electronic receipt (boleta)",
		DTEBoletaExenta:  "Electronic exempt receipt (boleta exenta)",
		DTENotaDeCredito: "Electronic credit note (nota de crédito)",
	},
}

// Name is t's legal name in locale's language (Spanish when the locale
// is in neither).
func (t DTEType) Name(locale string) string {
	lang := LocaleLanguage(locale)
	if lang == "" {
		lang = "es"
	}
	return dteNames[lang][t]
}

// DTEReceptor is who a document is made out to, read from a customer's
// tax profile.
type DTEReceptor struct {
	RUT       string // NormalizeRUT's form, "" when the customer gave none
	LegalName string
	Activity  string // giro
	Address   Address
}

// DTEReceptorOf reads a customer's RUT (its first cl_rut tax id), legal
// name, business activity and address.
func DTEReceptorOf(c Customer) DTEReceptor {
	r := DTEReceptor{
		LegalName: strings.TrimSpace(c.TaxProfile.LegalName),
		Activity:  strings.TrimSpace(c.TaxProfile.Activity),
		Address:   c.TaxProfile.Address,
	}
	for _, id := range c.TaxProfile.TaxIDs {
		if id.Type == TaxIDChileRUT {
			r.RUT = id.Value
			break
		}
	}
	return r
}

// Business reports whether the receptor can receive a factura: the SII
// requires its RUT, legal name and business activity. Anyone lacking one
// gets a boleta.
func (r DTEReceptor) Business() bool {
	return r.RUT != "" && r.LegalName != "" && r.Activity != ""
}

// DTEApplies reports whether a paid invoice gets a tax document at all:
// only CLP invoices that charged something (the SII's documents are in
// pesos; a zero invoice sold nothing).
func DTEApplies(inv Invoice) bool {
	return strings.EqualFold(inv.Currency, "CLP") && inv.Total > 0
}

// ChooseDTE is the rule of which document an invoice gets
// (docs/dte.md): a factura when the customer is a business (RUT, legal
// name and giro), a boleta otherwise; the exempt kind (34, 41) when the
// customer is tax exempt or no line is taxed.
func ChooseDTE(inv Invoice, c Customer) DTEType {
	exempt := c.IsTaxExempt() || !anyTaxedLine(inv.Lines)
	switch {
	case DTEReceptorOf(c).Business() && exempt:
		return DTEFacturaExenta
	case DTEReceptorOf(c).Business():
		return DTEFactura
	case exempt:
		return DTEBoletaExenta
	}
	return DTEBoleta
}

func anyTaxedLine(lines []InvoiceLine) bool {
	for _, l := range lines {
		if l.Type != LineDiscount && len(l.TaxRates) > 0 && l.Amount != 0 {
			return true
		}
	}
	return false
}

// DTEEmissionKey is the deterministic key of one emission: the same
// document of the same invoice always sends the same key, so a provider
// that deduplicates on it (OpenFactura's Idempotency-Key) never issues it
// twice. attempt is 1 for the first emission and grows only when the
// merchant asks again after a rejection. source is the invoice's id, or
// a credit note's for a nota de crédito.
func DTEEmissionKey(source string, t DTEType, attempt int) string {
	return "dte_" + source + "_" + strconv.Itoa(int(t)) + "_" + strconv.Itoa(attempt)
}

// DTEStatus is where one emission stands.
type DTEStatus string

// The states of an emission (docs/dte.md).
const (
	// DTEPending: the emission is recorded with its key and the provider
	// has not (knowingly) received it.
	DTEPending DTEStatus = "pending"
	// DTEUnknown: the request may have reached the provider but its
	// answer was lost; only a lookup of the key resolves it.
	DTEUnknown DTEStatus = "unknown"
	// DTEIssued: the provider holds the document (folio, id); the SII has
	// not decided.
	DTEIssued DTEStatus = "issued"
	// DTEAccepted: the SII accepted the document (with or without
	// remarks).
	DTEAccepted DTEStatus = "accepted"
	// DTERejected: the provider refused the data or the SII rejected the
	// document; a new attempt is the merchant's decision.
	DTERejected DTEStatus = "rejected"
)

// Final reports whether nothing can change s any more.
func (s DTEStatus) Final() bool { return s == DTEAccepted || s == DTERejected }

// DTEOutcome is what one call to the provider (or the SII, through it)
// said about an emission.
type DTEOutcome string

// The outcomes MoveDTE knows.
const (
	// DTENotSent: the request certainly never reached the provider
	// (connection refused, the credentials could not be read).
	DTENotSent DTEOutcome = "not_sent"
	// DTEAnswerLost: timeout, broken connection or 5xx: the provider may
	// have issued the document.
	DTEAnswerLost DTEOutcome = "answer_lost"
	// DTEProviderIssued: the provider answered with the document (on
	// issue, or on a lookup that found it).
	DTEProviderIssued DTEOutcome = "provider_issued"
	// DTEProviderRefused: the provider refused the data; nothing was
	// issued.
	DTEProviderRefused DTEOutcome = "provider_refused"
	// DTESIIPending, DTESIIAccepted, DTESIIRejected: the SII's status as
	// the provider reports it.
	DTESIIPending  DTEOutcome = "sii_pending"
	DTESIIAccepted DTEOutcome = "sii_accepted"
	DTESIIRejected DTEOutcome = "sii_rejected"
)

// dteMoves is the emission state machine: from → outcome → to. What is
// missing is refused. An unknown emission never goes back to pending: it
// is resolved by a lookup (which answers provider_issued, or refused when
// the provider never took it), never by issuing blindly again.
var dteMoves = map[DTEStatus]map[DTEOutcome]DTEStatus{
	DTEPending: {
		DTENotSent:         DTEPending,
		DTEAnswerLost:      DTEUnknown,
		DTEProviderIssued:  DTEIssued,
		DTEProviderRefused: DTERejected,
	},
	DTEUnknown: {
		DTENotSent:         DTEUnknown,
		DTEAnswerLost:      DTEUnknown,
		DTEProviderIssued:  DTEIssued,
		DTEProviderRefused: DTERejected,
	},
	DTEIssued: {
		DTENotSent:     DTEIssued,
		DTEAnswerLost:  DTEIssued,
		DTESIIPending:  DTEIssued,
		DTESIIAccepted: DTEAccepted,
		DTESIIRejected: DTERejected,
	},
}

// MoveDTE is the emission state machine (docs/dte.md): the state an
// emission in from reaches on outcome, or an invalid_state_transition
// error.
func MoveDTE(from DTEStatus, outcome DTEOutcome) (DTEStatus, error) {
	if to, ok := dteMoves[from][outcome]; ok {
		return to, nil
	}
	return from, Errorf(KindConflict, CodeInvalidStateTransition,
		"a %s tax document cannot take the outcome %s", from, outcome)
}

// DTELookupWindow is how long after an emission was first sent a lookup
// of its key may replay it: OpenFactura remembers an Idempotency-Key for
// 24 hours, and an hour is kept in hand for clock drift and queues. An
// emission still unknown after it is left to the merchant.
const DTELookupWindow = 23 * time.Hour

// CanLookUpDTE reports whether an emission first sent at firstSent may
// still be looked up at now.
func CanLookUpDTE(firstSent, now time.Time) bool {
	return !firstSent.IsZero() && now.Sub(firstSent) < DTELookupWindow
}

// DTERetryDelay is how long to wait before the try after tries failed
// ones (a provider down, an SII still deciding): doubling from 30 s, at
// most an hour. Money never waits on it: the invoice is paid already.
func DTERetryDelay(tries int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < tries && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// TaxDocument is one emission of one electronic tax document for an
// invoice (or, for a nota de crédito, a credit note of it), as cuota
// records it before and after calling the provider.
type TaxDocument struct {
	ID           string     `json:"id"`
	Scope        Scope      `json:"scope"`
	InvoiceID    string     `json:"invoice_id"`
	CreditNoteID string     `json:"credit_note_id,omitempty"`
	Type         DTEType    `json:"type"`
	Attempt      int        `json:"attempt"`
	Key          string     `json:"key"`
	Provider     string     `json:"provider"`
	Status       DTEStatus  `json:"status"`
	Folio        int64      `json:"folio,omitempty"`
	ProviderID   string     `json:"provider_id,omitempty"`
	TrackID      string     `json:"track_id,omitempty"`
	SIIStatus    string     `json:"sii_status,omitempty"` // the provider's words ("Aceptado con Reparo")
	Reason       string     `json:"reason,omitempty"`     // why it was rejected
	Tries        int        `json:"tries"`
	NextTry      *time.Time `json:"next_try,omitempty"`
	FirstSent    *time.Time `json:"first_sent,omitempty"`
	Created      time.Time  `json:"created"`
	Updated      time.Time  `json:"updated"`
}

// DTEIssuer is the merchant as a document names it: its legal profile
// plus the SII's code of its economic activity (Acteco), which facturas
// require.
type DTEIssuer struct {
	RUT          string
	LegalName    string
	Activity     string // giro
	ActivityCode int    // Acteco
	Address      Address
}

// DTELine is one detail line of a document. Amount is in pesos: net for
// a factura's taxed lines, IVA included for a boleta's (as the SII wants
// each). UnitPrice is Amount / Quantity when that divides exactly;
// otherwise Quantity is 1 and UnitPrice the Amount, so that no price is
// ever rounded.
type DTELine struct {
	Name      string
	Quantity  int64
	UnitPrice int64
	Amount    int64
	Exempt    bool
}

// DTETotals are a document's totals in pesos: Net is taxed at
// IVAPercent, Exempt is not, and Total = Net + IVA + Exempt.
type DTETotals struct {
	Net        int64
	IVA        int64
	IVAPercent int64 // 19, or 0 on an exempt document
	Exempt     int64
	Total      int64
}

// DTEReference is the document a nota de crédito corrects.
type DTEReference struct {
	Type   DTEType
	Folio  int64
	Date   time.Time // the original's emission date
	Code   int       // the SII's CodRef: 1 voids the original, 3 corrects amounts
	Reason string
}

// The SII's reference codes cuota uses.
const (
	DTERefVoid          = 1
	DTERefCorrectAmount = 3
)

// DTEDocument is everything a provider needs to issue one document,
// decided here so that adapters only translate it to their wire format.
type DTEDocument struct {
	Type      DTEType
	Key       string
	Date      time.Time // FchEmis, a date in the merchant's timezone
	Issuer    DTEIssuer
	Receptor  DTEReceptor
	Lines     []DTELine
	Totals    DTETotals
	Reference *DTEReference
	// OnCredit: the sale is not paid yet (a send_invoice invoice issued
	// when finalized); a factura then says so (forma de pago crédito).
	OnCredit bool
}

// BuildDTE lays an invoice out as document t: its lines, after their
// share of the invoice's discount, split into taxed and exempt and
// expressed as t wants them (net or IVA included), and its totals, which
// add up to the invoice's total exactly. The invoice must be in CLP and
// taxed, if at all, by one 19 % rate (IVA); anything else is an error
// with code dte_not_applicable, since no SII document can carry it.
func BuildDTE(t DTEType, key string, inv Invoice, issuer DTEIssuer, receptor DTEReceptor, date time.Time) (DTEDocument, error) {
	doc := DTEDocument{Type: t, Key: key, Date: date, Issuer: issuer, Receptor: receptor, OnCredit: inv.Status != InvoicePaid}
	if !t.Valid() || t == DTENotaDeCredito {
		return doc, dteNotApplicable("document type %d cannot be built from an invoice", int(t))
	}
	if !DTEApplies(inv) {
		return doc, dteNotApplicable("only CLP invoices with a positive total get a tax document")
	}
	for _, a := range inv.TaxAmounts {
		if a.TaxRate.Percentage != dteIVAPercentage {
			return doc, dteNotApplicable("tax rate %s is not Chile's 19 %% IVA", a.TaxRate.ID)
		}
	}
	net, iva := int64(0), inv.Tax
	for _, a := range inv.TaxAmounts {
		net += a.TaxableAmount
	}
	exempt := inv.Total - net - iva
	if t.Exempt() {
		if iva != 0 {
			return doc, dteNotApplicable("an exempt document cannot carry the invoice's IVA")
		}
		net, exempt = 0, inv.Total
	}
	if exempt < 0 || net < 0 {
		return doc, dteNotApplicable("the invoice's taxed and exempt amounts do not add up")
	}
	doc.Totals = DTETotals{Net: net, IVA: iva, Exempt: exempt, Total: inv.Total}
	if !t.Exempt() {
		doc.Totals.IVAPercent = dteIVAPercentage / PercentageScale
	}
	lines, err := dteLines(t, inv, doc.Totals)
	if err != nil {
		return doc, err
	}
	doc.Lines = lines
	return doc, nil
}

// dteLines spreads the document's taxed amount (net, or net plus IVA on
// a boleta) over the invoice's taxed lines and its exempt amount over the
// others, in proportion to what each line charged after its discount
// share, so that the lines sum to the totals exactly. When the invoice
// has a credit line (a proration's unused time), the lines cannot each be
// positive, so the document carries one line per kind named after the
// invoice instead.
func dteLines(t DTEType, inv Invoice, tot DTETotals) ([]DTELine, error) {
	taxedTotal := tot.Net
	if t.Boleta() {
		taxedTotal += tot.IVA
	}
	shares, err := discountShares(inv.Lines, inv.Discount)
	if err != nil {
		return nil, err
	}
	var taxed, exempt []int
	var taxedRatios, exemptRatios []int64
	credit := false
	for i, l := range inv.Lines {
		if l.Type == LineDiscount {
			continue
		}
		amount := l.Amount - shares[i]
		if amount < 0 {
			credit = true
		}
		if amount == 0 {
			continue
		}
		if len(l.TaxRates) > 0 && !t.Exempt() {
			taxed, taxedRatios = append(taxed, i), append(taxedRatios, amount)
		} else {
			exempt, exemptRatios = append(exempt, i), append(exemptRatios, amount)
		}
	}
	if credit || (taxedTotal > 0 && len(taxed) == 0) || (tot.Exempt > 0 && len(exempt) == 0) {
		return summaryLines(inv, taxedTotal, tot.Exempt), nil
	}
	var out []DTELine
	add := func(idx []int, ratios []int64, total int64, isExempt bool) error {
		if len(idx) == 0 {
			return nil
		}
		parts, err := money.Allocate(total, ratios)
		if err != nil {
			return fmt.Errorf("spread document amounts: %w", err)
		}
		for k, i := range idx {
			out = append(out, dteLine(inv.Lines[i].Description, inv.Lines[i].Quantity, parts[k], isExempt))
		}
		return nil
	}
	if err := add(taxed, taxedRatios, taxedTotal, false); err != nil {
		return nil, err
	}
	if err := add(exempt, exemptRatios, tot.Exempt, true); err != nil {
		return nil, err
	}
	return out, nil
}

// summaryLines is one line for the taxed amount and one for the exempt,
// both named after the invoice.
func summaryLines(inv Invoice, taxed, exempt int64) []DTELine {
	name := strings.TrimSpace("Cobro " + inv.Number)
	var out []DTELine
	if taxed > 0 {
		out = append(out, dteLine(name, 1, taxed, false))
	}
	if exempt > 0 {
		out = append(out, dteLine(name, 1, exempt, true))
	}
	return out
}

func dteLine(name string, qty, amount int64, exempt bool) DTELine {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "Servicio"
	}
	if qty <= 0 || amount%qty != 0 {
		qty = 1
	}
	return DTELine{Name: name, Quantity: qty, UnitPrice: amount / qty, Amount: amount, Exempt: exempt}
}

// CreditNoteReferenceCode is the SII's reference code of a nota de
// crédito for amount of an original document of total: one that returns
// everything voids the original, any other corrects its amounts.
func CreditNoteReferenceCode(amount, total int64) int {
	if amount >= total {
		return DTERefVoid
	}
	return DTERefCorrectAmount
}

func dteNotApplicable(format string, args ...any) *Error {
	return Errorf(KindConflict, CodeDTENotApplicable, format, args...)
}

// BuildCreditNoteDTE lays a credit note of an invoice out as a nota de
// crédito (61) referencing orig, the invoice's issued document: one line
// for what the note returns, net of IVA (and one exempt line for the
// exempt part of a mixed invoice, in the invoice's proportion), the
// note's own tax as IVA, and the reference code that voids the original
// when the note returns all of it and corrects its amounts otherwise.
func BuildCreditNoteDTE(key string, orig TaxDocument, origDate time.Time, inv Invoice, note CreditNote,
	issuer DTEIssuer, receptor DTEReceptor, date time.Time) (DTEDocument, error) {
	doc := DTEDocument{Type: DTENotaDeCredito, Key: key, Date: date, Issuer: issuer, Receptor: receptor}
	if orig.Folio <= 0 || (orig.Status != DTEIssued && orig.Status != DTEAccepted) || orig.Type == DTENotaDeCredito {
		return doc, dteNotApplicable("a nota de crédito needs the invoice's issued document")
	}
	if !strings.EqualFold(note.Currency, "CLP") || note.Total <= 0 || inv.Total <= 0 {
		return doc, dteNotApplicable("only CLP credit notes with a positive total get a nota de crédito")
	}
	var exempt int64
	switch {
	case orig.Type.Exempt():
		if note.Tax != 0 {
			return doc, dteNotApplicable("a credit note of an exempt document cannot return IVA")
		}
		exempt = note.Total
	default:
		var invNet int64
		for _, a := range inv.TaxAmounts {
			invNet += a.TaxableAmount
		}
		invExempt := inv.Total - invNet - inv.Tax
		if invExempt > 0 {
			var err error
			if exempt, err = money.ProRata(invExempt, note.Total, inv.Total); err != nil {
				return doc, err
			}
		}
	}
	net, tax := note.Total-note.Tax-exempt, note.Tax
	if net < 0 {
		return doc, dteNotApplicable("the credit note's taxed and exempt amounts do not add up")
	}
	if tax > 0 {
		net, tax = dteSplitGross(net+tax, net, tax)
	}
	doc.Totals = DTETotals{Net: net, IVA: tax, Exempt: exempt, Total: note.Total}
	if net > 0 || note.Tax > 0 {
		doc.Totals.IVAPercent = dteIVAPercentage / PercentageScale
	}
	name := strings.TrimSpace("Nota de crédito " + note.Number)
	if net > 0 {
		doc.Lines = append(doc.Lines, dteLine(name, 1, net, false))
	}
	if exempt > 0 {
		doc.Lines = append(doc.Lines, dteLine(name, 1, exempt, true))
	}
	reason := "Corrige montos"
	code := CreditNoteReferenceCode(note.Total, inv.Total)
	if code == DTERefVoid {
		reason = "Anula documento"
	}
	doc.Reference = &DTEReference{Type: orig.Type, Folio: orig.Folio, Date: origDate, Code: code, Reason: reason}
	return doc, nil
}

// dteSplitGross splits a taxed amount gross (IVA included) the way the
// SII checks a document: a net whose IVA, 19 % rounded half up, adds up
// to gross. A credit note's own tax is rounded on the refunds so far
// (RefundTax), so that a later partial refund's tax can be a peso off the
// document's rule, which OpenFactura refuses; the document then carries
// the rule's split of the same total. When no net adds up exactly (19 %
// rounding skips a few totals), the note's own split (net, tax) stands.
func dteSplitGross(gross, net, tax int64) (int64, int64) {
	if net+(net*19+50)/100 == gross {
		return net, tax
	}
	guess := (gross*100 + 59) / 119
	for _, n := range []int64{guess, guess - 1, guess + 1} {
		if n >= 0 && n+(n*19+50)/100 == gross {
			return n, gross - n
		}
	}
	return net, tax
}
