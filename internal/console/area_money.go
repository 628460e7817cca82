package console

import (
	"net/http"

	"github.com/cuota/cuota/internal/billing"
)

// The console's invoices, payments and refunds: its templates, strings and routes.

// moneyPages are this area's templates (templates/<name>.html).
var moneyPages = []string{"invoices", "invoice", "payments", "payment", "refunds"}

// moneyLang holds this area's strings in one language.
type moneyLang struct {
	// The documents list.
	InvTitle, InvCustomerLabel, InvNoMatch, InvManyMatch, NoInvoices, DraftNumber string
	// An invoice's page.
	InvLines, Description, Quantity, Subtotal, Discount, Tax, Total   string
	BalanceApplied, AmountDue, AmountPaid, Remaining, Issued, DueOn   string
	PaidOn, VoidedOn, NextAttempt, Attempts, AttemptN, Failure        string
	Refunded, CreditNotes, Refunds, RefundOf, DownloadPDF             string
	DownloadXML, Document, MethodL, GatewayRef, NoPayments, InvPeriod string
	// The Chilean tax document.
	TaxDoc, Folio, DocType, SIIStatus, DTEState, DTEReason, NoTaxDoc string
	DTEStatus                                                        map[billing.DTEStatus]string
	// Actions on an invoice.
	Actions, PayNow, PayNowHint, Void, VoidHint, MarkUncollectible   string
	UncollectibleHint, RefundAmount, RefundHint                      string
	RefundReason, RefundButton, NoReason                             string
	CreditReasons                                                    map[string]string
	DonePaid, DonePayFailed, DonePayPending, DoneVoided, DoneUncoll  string
	DoneRefunded, DoneRefundPending                                  string
	AmountEmpty, AmountBad, AmountZero, AmountTooMuch, NothingToRefd string
	NoMethodToCharge, ChargeWaiting, GatewayDown                     string
	// Payments and refunds.
	PayTitle, PaymentTitle, NoPaymentsFilter, RefundsTitle, NoRefunds string
	RefundStatus                                                      map[billing.RefundStatus]string
	CreditStatus                                                      map[string]string
	Gateways                                                          map[string]string
	Failures                                                          map[string]string
	FailureClasses                                                    map[billing.FailureClass]string
	FailureOther                                                      string
}

var (
	spanishMoney = moneyLang{
		InvTitle:         billing.DocumentListName("es-CL").Heading,
		InvCustomerLabel: "Cliente (correo o nombre)",
		InvNoMatch:       "Ningún cliente coincide con «%s».",
		InvManyMatch:     "Varios clientes coinciden con «%s»; escribe su correo completo.",
		NoInvoices:       "No hay documentos con estos filtros.",
		DraftNumber:      "Borrador",

		InvLines: "Detalle", Description: "Descripción", Quantity: "Cantidad", Subtotal: "Subtotal",
		Discount: "Descuento", Total: "Total", BalanceApplied: "Saldo del cliente aplicado",
		AmountDue: "Monto a cobrar", AmountPaid: "Pagado", Remaining: "Por pagar", Issued: "Emitido",
		DueOn: "Vence", PaidOn: "Pagado el", VoidedOn: "Anulado el", NextAttempt: "Próximo intento de cobro",
		Attempts: "Pagos e intentos de cobro", AttemptN: "Intento %d", Failure: "Motivo", Refunded: "Reembolsado",
		CreditNotes: "Comprobantes de crédito", Refunds: "Reembolsos", RefundOf: "Reembolso de",
		DownloadPDF: "Descargar PDF", DownloadXML: "Descargar XML", Document: "Documento", MethodL: "Medio de pago",
		GatewayRef: "Referencia en la pasarela", NoPayments: "Todavía no hay intentos de cobro.",
		InvPeriod: "Período cobrado",

		TaxDoc: "Documento tributario (SII)", Folio: "Folio", DocType: "Tipo", SIIStatus: "Respuesta del SII",
		DTEState: "Estado", DTEReason: "Motivo del rechazo", NoTaxDoc: "Este documento no tiene documento tributario.",
		DTEStatus: map[billing.DTEStatus]string{
			billing.DTEPending: "Por enviar al proveedor", billing.DTEUnknown: "Por confirmar con el proveedor",
			billing.DTEIssued: "Emitido; el SII aún no responde", billing.DTEAccepted: "Aceptado por el SII",
			billing.DTERejected: "Rechazado",
		},

		Actions: "Acciones", PayNow: "Cobrar ahora",
		PayNowHint: "Cobra lo pendiente al medio de pago del cliente, como un reintento de la cobranza.",
		Void:       "Anular", VoidHint: "El documento deja de cobrarse y no se puede deshacer.",
		MarkUncollectible: "Marcar incobrable", UncollectibleHint: "Se dejan de hacer reintentos; todavía se puede cobrar o anular.",
		RefundAmount: "Monto a reembolsar",
		RefundHint:   "Se puede reembolsar hasta %s a la tarjeta con que se pagó. Escribe el monto, por ejemplo %s.",
		RefundReason: "Motivo", RefundButton: "Reembolsar", NoReason: "Sin motivo",
		CreditReasons: map[string]string{
			billing.CreditReasonDuplicate: "Cobro duplicado", billing.CreditReasonFraudulent: "Fraude",
			billing.CreditReasonOrderChange: "Cambio en el pedido", billing.CreditReasonProductUnsatisfactory: "El cliente no quedó conforme",
		},
		DonePaid: "Cobro realizado: el documento quedó pagado.", DonePayFailed: "El cobro no se realizó: %s",
		DonePayPending: "El cobro está en proceso con la pasarela; esta página mostrará su resultado.",
		DoneVoided:     "El documento quedó anulado.", DoneUncoll: "El documento quedó marcado como incobrable.",
		DoneRefunded: "Se reembolsaron %s.", DoneRefundPending: "El reembolso de %s quedó en proceso con la pasarela.",
		AmountEmpty:      "Escribe el monto a reembolsar.",
		AmountBad:        "No entendimos el monto «%s». Escríbelo así: %s.",
		AmountZero:       "El monto a reembolsar debe ser mayor que cero.",
		AmountTooMuch:    "Se puede reembolsar como máximo %s.",
		NothingToRefd:    "Este documento no tiene un pago con tarjeta que reembolsar.",
		NoMethodToCharge: "El cliente no tiene un medio de pago con el que cobrar.",
		ChargeWaiting:    "Ya hay un cobro de este documento en proceso; espera su resultado.",
		GatewayDown:      "La pasarela de pago no respondió. Inténtalo de nuevo en unos minutos.",
		PayTitle:         "Pagos", PaymentTitle: "Pago", NoPaymentsFilter: "No hay pagos con este estado.",
		RefundsTitle: "Reembolsos", NoRefunds: "Todavía no hay reembolsos.",
		RefundStatus: map[billing.RefundStatus]string{
			billing.RefundPending: "En proceso", billing.RefundSucceeded: "Reembolsado", billing.RefundFailed: "Fallido",
		},
		CreditStatus: map[string]string{billing.CreditNoteIssued: "Emitido", billing.CreditNoteVoid: "Anulado"},
		Gateways: map[string]string{billing.GatewaySim: "Pasarela simulada (prueba)", billing.GatewayFlow: "Flow",
			billing.GatewayStripe: "Stripe"},
		Failures: map[string]string{
			"card_declined":            "el banco rechazó el cobro.",
			"insufficient_funds":       "la tarjeta no tiene fondos suficientes.",
			"lost_card":                "la tarjeta fue reportada como perdida; no se reintenta con ella.",
			"stolen_card":              "la tarjeta fue reportada como robada; no se reintenta con ella.",
			"expired_card":             "la tarjeta está vencida.",
			"incorrect_cvc":            "el código de seguridad no es correcto.",
			"processing_error":         "la pasarela tuvo un error al procesar el cobro; no se cobró nada.",
			"authentication_required":  "el banco pide que el cliente confirme el pago.",
			"payment_page_expired":     "la página de pago venció antes de que el cliente terminara.",
			"payment_page_unavailable": "no se pudo abrir la página de pago de la pasarela.",
			"canceled":                 "el cliente canceló el pago.",
		},
		FailureClasses: map[billing.FailureClass]string{
			billing.FailureCustomer:  "el banco del cliente rechazó el cobro; la cobranza lo reintentará.",
			billing.FailureHard:      "rechazo definitivo: no se reintenta con esta tarjeta.",
			billing.FailureTechnical: "falla técnica de la pasarela; no se cobró nada y se reintenta en minutos.",
			billing.FailureUnknown:   "no se sabe si se cobró; se está consultando a la pasarela.",
		},
		FailureOther: "la pasarela rechazó el cobro.",
	}
	englishMoney = moneyLang{
		InvTitle:         billing.DocumentListName("en").Heading,
		InvCustomerLabel: "Customer (email or name)",
		InvNoMatch:       "No customer matches “%s”.",
		InvManyMatch:     "Several customers match “%s”; type their whole email.",
		NoInvoices:       "No documents match these filters.",
		DraftNumber:      "Draft",

		InvLines: "Lines", Description: "Description", Quantity: "Quantity", Subtotal: "Subtotal",
		Discount: "Discount", Total: "Total", BalanceApplied: "Customer balance applied",
		AmountDue: "Amount due", AmountPaid: "Paid", Remaining: "Left to pay", Issued: "Issued",
		DueOn: "Due", PaidOn: "Paid on", VoidedOn: "Voided on", NextAttempt: "Next collection attempt",
		Attempts: "Payments and collection attempts", AttemptN: "Attempt %d", Failure: "Reason", Refunded: "Refunded",
		CreditNotes: "Credit notes", Refunds: "Refunds", RefundOf: "Refund of",
		DownloadPDF: "Download PDF", DownloadXML: "Download XML", Document: "Document", MethodL: "Payment method",
		GatewayRef: "Gateway reference", NoPayments: "No collection attempts yet.",
		InvPeriod: "Period billed",

		TaxDoc: "Tax document (SII)", Folio: "Folio", DocType: "Type", SIIStatus: "SII's answer",
		DTEState: "Status", DTEReason: "Why it was rejected", NoTaxDoc: "This document has no tax document.",
		DTEStatus: map[billing.DTEStatus]string{
			billing.DTEPending: "Waiting to be sent", billing.DTEUnknown: "Being confirmed with the provider",
			billing.DTEIssued: "Issued; the SII has not answered yet", billing.DTEAccepted: "Accepted by the SII",
			billing.DTERejected: "Rejected",
		},

		Actions: "Actions", PayNow: "Charge now",
		PayNowHint: "Charges what is due to the customer's payment method, like a dunning retry.",
		Void:       "Void", VoidHint: "The document is no longer owed; this cannot be undone.",
		MarkUncollectible: "Mark uncollectible", UncollectibleHint: "Retries stop; it can still be paid or voided.",
		RefundAmount: "Amount to refund",
		RefundHint:   "Up to %s can be refunded to the card it was paid with. Type the amount, for example %s.",
		RefundReason: "Reason", RefundButton: "Refund", NoReason: "No reason",
		CreditReasons: map[string]string{
			billing.CreditReasonDuplicate: "Duplicate charge", billing.CreditReasonFraudulent: "Fraud",
			billing.CreditReasonOrderChange: "Order changed", billing.CreditReasonProductUnsatisfactory: "Customer not satisfied",
		},
		DonePaid: "Charged: the document is paid.", DonePayFailed: "The charge did not go through: %s",
		DonePayPending: "The charge is in progress with the gateway; this page will show its outcome.",
		DoneVoided:     "The document was voided.", DoneUncoll: "The document was marked uncollectible.",
		DoneRefunded: "Refunded %s.", DoneRefundPending: "The refund of %s is in progress with the gateway.",
		AmountEmpty:      "Type the amount to refund.",
		AmountBad:        "We could not read the amount “%s”. Write it like this: %s.",
		AmountZero:       "The amount to refund must be more than zero.",
		AmountTooMuch:    "At most %s can be refunded.",
		NothingToRefd:    "This document has no card payment to refund.",
		NoMethodToCharge: "The customer has no payment method to charge.",
		ChargeWaiting:    "A charge of this document is already in progress; wait for its outcome.",
		GatewayDown:      "The payment gateway did not answer. Try again in a few minutes.",
		PayTitle:         "Payments", PaymentTitle: "Payment", NoPaymentsFilter: "No payments with this status.",
		RefundsTitle: "Refunds", NoRefunds: "No refunds yet.",
		RefundStatus: map[billing.RefundStatus]string{
			billing.RefundPending: "In progress", billing.RefundSucceeded: "Refunded", billing.RefundFailed: "Failed",
		},
		CreditStatus: map[string]string{billing.CreditNoteIssued: "Issued", billing.CreditNoteVoid: "Void"},
		Gateways: map[string]string{billing.GatewaySim: "Simulated gateway (test)", billing.GatewayFlow: "Flow",
			billing.GatewayStripe: "Stripe"},
		Failures: map[string]string{
			"card_declined":            "the bank declined the charge.",
			"insufficient_funds":       "the card has insufficient funds.",
			"lost_card":                "the card was reported lost; it is not retried.",
			"stolen_card":              "the card was reported stolen; it is not retried.",
			"expired_card":             "the card has expired.",
			"incorrect_cvc":            "the security code is wrong.",
			"processing_error":         "the gateway failed to process the charge; nothing was charged.",
			"authentication_required":  "the bank asks the customer to confirm the payment.",
			"payment_page_expired":     "the payment page expired before the customer finished.",
			"payment_page_unavailable": "the gateway's payment page could not be opened.",
			"canceled":                 "the customer canceled the payment.",
		},
		FailureClasses: map[billing.FailureClass]string{
			billing.FailureCustomer:  "the customer's bank declined the charge; dunning will retry it.",
			billing.FailureHard:      "a final decline: this card is not retried.",
			billing.FailureTechnical: "a technical failure of the gateway; nothing was charged, and it is retried within minutes.",
			billing.FailureUnknown:   "it is not known whether it was charged; the gateway is being asked.",
		},
		FailureOther: "the gateway declined the charge.",
	}
)

// The template helpers of this area's words.
func init() {
	funcs["gatewayname"] = func(l *lang, g string) string { return orRaw(l.Gateways[g], g) }
	funcs["refundst"] = func(l *lang, s billing.RefundStatus) string { return orRaw(l.RefundStatus[s], string(s)) }
	funcs["creditst"] = func(l *lang, s string) string { return orRaw(l.CreditStatus[s], s) }
	// A refund made through the API may carry a reason of its own words.
	funcs["creditreason"] = func(l *lang, r string) string { return orRaw(l.CreditReasons[r], r) }
	funcs["dtest"] = func(l *lang, s billing.DTEStatus) string { return orRaw(l.DTEStatus[s], string(s)) }
	funcs["dtename"] = func(l *lang, t billing.DTEType) string { return t.Name(l.Tag) }
}

// moneyArea is the handler of this area's pages and actions: a type of its
// own, so that each area's methods are counted apart (archtest caps a
// type's methods).
type moneyArea struct{ *handler }

// moneyRoutes registers this area's pages and actions.
func (hh *handler) moneyRoutes(mux *http.ServeMux) {
	h := moneyArea{hh}
	mux.HandleFunc("GET /console/invoices", h.page(h.invoices))
	mux.HandleFunc("GET /console/invoices/{id}", h.page(h.invoice))
	mux.HandleFunc("GET /console/invoices/{id}/pdf", h.page(h.invoicePDF))
	mux.HandleFunc("GET /console/invoices/{id}/tax-document/{format}", h.page(h.taxDocumentFile))
	mux.HandleFunc("GET /console/credit-notes/{id}/pdf", h.page(h.creditNotePDF))
	mux.HandleFunc("GET /console/payments", h.page(h.payments))
	mux.HandleFunc("GET /console/payments/{id}", h.page(h.payment))
	mux.HandleFunc("GET /console/refunds", h.page(h.refunds))

	mux.HandleFunc("POST /console/invoices/{id}/pay", h.action(billing.PermRetryPayment, h.payInvoice))
	mux.HandleFunc("POST /console/invoices/{id}/void", h.action(billing.PermVoidInvoice, h.voidInvoice))
	mux.HandleFunc("POST /console/invoices/{id}/uncollectible", h.action(billing.PermVoidInvoice, h.markUncollectible))
	mux.HandleFunc("POST /console/invoices/{id}/refund", h.action(billing.PermRefund, h.refundInvoice))
}
