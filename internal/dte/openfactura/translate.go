package openfactura

import (
	"strconv"
	"strings"

	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/textcut"
)

// Lengths OpenFactura publishes: it cuts NmbItem at 80 characters and
// GiroRecep at 40. cuota cuts them itself, so that what it records is
// what was sent.
const (
	maxItemName  = 80
	maxGiroRecep = 40
	maxText      = 100
)

// Request translates doc to OpenFactura's issue body. It only renames and
// reshapes: the type, amounts and lines are billing's.
func Request(doc billing.DTEDocument) IssueRequest {
	t := doc.Type
	id := IdDoc{TipoDTE: int(t), Folio: 0, FchEmis: doc.Date.Format("2006-01-02")}
	em := Emisor{RUTEmisor: doc.Issuer.RUT, DirOrigen: cut(doc.Issuer.Address.Line1, maxText),
		CmnaOrigen: cut(doc.Issuer.Address.District, maxText)}
	if t.Boleta() {
		id.IndServicio = indServicioVenta
		em.RznSocEmisor, em.GiroEmisor = cut(doc.Issuer.LegalName, maxText), cut(doc.Issuer.Activity, maxText)
	} else {
		// Contado when paid, crédito for an invoice issued when
		// finalized, before its payment (the SII's FmaPago 1 and 2). Only the factura's published
		// example sends FmaPago as a number (the 34's and the 61's send a
		// string), so it is sent where its type is known.
		if t == billing.DTEFactura {
			id.FmaPago = fmaPagoContado
			if doc.OnCredit {
				id.FmaPago = fmaPagoCredito
			}
		}
		em.RznSoc, em.GiroEmis, em.Acteco = cut(doc.Issuer.LegalName, maxText), cut(doc.Issuer.Activity, maxText), doc.Issuer.ActivityCode
	}
	rc := Receptor{RUTRecep: doc.Receptor.RUT}
	if rc.RUTRecep == "" {
		rc.RUTRecep = GenericRUT
	} else {
		rc.RznSocRecep = cut(doc.Receptor.LegalName, maxText)
		if !t.Boleta() {
			rc.GiroRecep = cut(doc.Receptor.Activity, maxGiroRecep)
		}
		rc.DirRecep = cut(doc.Receptor.Address.Line1, maxText)
		rc.CmnaRecep = cut(doc.Receptor.Address.District, maxText)
	}
	// A boleta's published examples carry only the exempt amount and the
	// totals (its lines include IVA, which OpenFactura extracts); a
	// factura's carry the net, the rate and the IVA.
	tot := Totales{MntExe: doc.Totals.Exempt, MntTotal: doc.Totals.Total}
	if t.Boleta() {
		tot.TotalPeriodo, tot.VlrPagar = doc.Totals.Total, doc.Totals.Total
	} else if doc.Totals.IVAPercent > 0 {
		tot.MntNeto, tot.IVA = doc.Totals.Net, doc.Totals.IVA
		tot.TasaIVA = strconv.FormatInt(doc.Totals.IVAPercent, 10)
	}
	out := IssueRequest{Response: []string{responseFolio}, DTE: DTE{
		Encabezado: Encabezado{IdDoc: id, Emisor: em, Receptor: rc, Totales: tot}}}
	for i, l := range doc.Lines {
		d := Detalle{NroLinDet: i + 1, NmbItem: cut(l.Name, maxItemName), QtyItem: l.Quantity, PrcItem: l.UnitPrice, MontoItem: l.Amount}
		if l.Exempt {
			d.IndExe = 1
		}
		out.DTE.Detalle = append(out.DTE.Detalle, d)
	}
	if r := doc.Reference; r != nil {
		out.DTE.Referencia = []Referencia{{NroLinRef: 1, TpoDocRef: strconv.Itoa(int(r.Type)),
			FolioRef: strconv.FormatInt(r.Folio, 10), FchRef: r.Date.Format("2006-01-02"),
			CodRef: strconv.Itoa(r.Code), RazonRef: cut(r.Reason, 90)}}
	}
	return out
}

// cut trims s and keeps at most n characters of it.
func cut(s string, n int) string {
	return textcut.Runes(strings.TrimSpace(s), n)
}

// statusOutcome translates OpenFactura's estado into the SII outcome.
// "Aceptado con Reparo" is an acceptance with remarks; "Sin estado"
// (undocumented) and anything unknown read as still pending, so that
// only the SII's word ever finishes an emission.
func statusOutcome(estado string) billing.DTEOutcome {
	switch strings.TrimSpace(estado) {
	case EstadoAceptado, EstadoReparo:
		return billing.DTESIIAccepted
	case EstadoRechazado:
		return billing.DTESIIRejected
	}
	return billing.DTESIIPending
}

var _ app.DTEProvider = (*Provider)(nil)
