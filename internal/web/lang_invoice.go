package web

// invoiceLang holds the strings of an invoice's pay page and of the sim's
// pay page in one language.
type invoiceLang struct {
	Title        string // the document name when its status is unknown; see billing.DocumentName
	Statuses     map[string]string
	Issued       string
	DueDate      string
	PaidOn       string
	TaxDocument  string // the row naming the Chilean tax document
	DownloadDTE  string // %s: the document's name ("Boleta electrónica")
	Lines        string
	Subtotal     string
	Discount     string
	Tax          string
	TaxIncluded  string // after a tax rate the prices include
	Total        string
	AmountDue    string
	AmountPaid   string
	PaidNotice   string // %s date
	Paid         string // PaidNotice without a date
	VoidNotice   string
	PayWith      string
	Pay          string // %s amount
	InProgress   string
	Authenticate string
	ContinuePay  string
	Confirming   string
	NoGateways   string
	PayNote      string
	Failures     map[string]string // why the last attempt failed, by failure code
	FailedAgain  string            // after a decline reason: nothing charged, try again
	FailedOther  string            // a failure without a known reason
	GatewaySaid  string            // %s: the gateway's own message
	ToInvoice    string
	SimTitle     string
	SimIntro     string
	SimAmount    string
	SimInvoice   string // %s number
	SimNoCard    string
	SimGoneTitle string
	SimGoneBody  string
}

var invoiceES = &invoiceLang{
	Title:        "Documento de cobro",
	Statuses:     map[string]string{"open": "Por pagar", "uncollectible": "Por pagar", "paid": "Pagado", "void": "Anulado"},
	Issued:       "Fecha de emisión",
	DueDate:      "Fecha de vencimiento",
	PaidOn:       "Pagado el",
	TaxDocument:  "Documento tributario",
	DownloadDTE:  "Descargar %s (PDF)",
	Lines:        "Detalle",
	Subtotal:     "Subtotal",
	Discount:     "Descuento",
	Tax:          "Impuestos",
	TaxIncluded:  "(incluido)",
	Total:        "Total",
	AmountDue:    "Monto a pagar",
	AmountPaid:   "Monto pagado",
	PaidNotice:   "Pagado el %s. ¡Gracias!",
	Paid:         "Este cobro está pagado. ¡Gracias!",
	VoidNotice:   "Este cobro fue anulado: no hay nada que pagar.",
	PayWith:      "Pagar con",
	Pay:          "Pagar %s",
	InProgress:   "Ya empezaste a pagar este cobro. Continúa el pago donde lo dejaste.",
	Authenticate: "Tu banco pide que confirmes este pago. Al pagar irás a la página de tu banco para autorizarlo; no se hará un cargo adicional.",

	ContinuePay: "Continuar el pago",
	Confirming:  "Estamos confirmando un pago de este cobro con la pasarela de pago. Vuelve a cargar esta página en unos minutos; no lo pagues de nuevo mientras tanto.",
	NoGateways:  "En este momento no hay un medio de pago disponible para este cobro. Inténtalo de nuevo en unos minutos.",
	PayNote:     "Pagarás en la página segura de la pasarela de pago; este sitio nunca ve los datos de tu tarjeta.",
	Failures: map[string]string{
		"card_declined":            "Pago rechazado: el banco rechazó el cobro.",
		"insufficient_funds":       "Pago rechazado: la tarjeta no tiene fondos suficientes.",
		"lost_card":                "Pago rechazado: la tarjeta fue reportada como perdida.",
		"canceled":                 "Cancelaste el pago.",
		"payment_page_expired":     "La página de pago venció antes de que terminaras.",
		"payment_page_unavailable": "No pudimos abrir la página de pago de la pasarela.",
	},
	FailedAgain: "No se cobró nada. Puedes intentarlo de nuevo, con otra tarjeta si quieres.",
	FailedOther: "El último intento de pago no se completó.",
	GatewaySaid: "La pasarela informó: %s",
	ToInvoice:   "Volver al cobro",

	SimTitle:     "Pagar con una tarjeta de prueba",
	SimIntro:     "Elige la tarjeta de prueba con la que pagar. Cada una se comporta siempre igual.",
	SimAmount:    "Monto",
	SimInvoice:   "Cobro %s",
	SimNoCard:    "Elige una de las tarjetas de prueba para pagar.",
	SimGoneTitle: "Página de pago vencida",
	SimGoneBody:  "Esta página de pago ya se usó o venció. Vuelve al cobro para ver su estado o pagarla de nuevo.",
}

var invoiceEN = &invoiceLang{
	Title:        "Payment request",
	Statuses:     map[string]string{"open": "Due", "uncollectible": "Due", "paid": "Paid", "void": "Void"},
	Issued:       "Issued",
	DueDate:      "Due date",
	PaidOn:       "Paid on",
	TaxDocument:  "Tax document",
	DownloadDTE:  "Download the %s (PDF)",
	Lines:        "Items",
	Subtotal:     "Subtotal",
	Discount:     "Discount",
	Tax:          "Tax",
	TaxIncluded:  "(included)",
	Total:        "Total",
	AmountDue:    "Amount due",
	AmountPaid:   "Amount paid",
	PaidNotice:   "Paid on %s. Thank you!",
	Paid:         "This payment request is paid. Thank you!",
	VoidNotice:   "This payment request was voided: there is nothing to pay.",
	PayWith:      "Pay with",
	Pay:          "Pay %s",
	InProgress:   "You already started paying this payment request. Continue the payment where you left off.",
	Authenticate: "Your bank asks you to confirm this payment. Paying takes you to your bank's page to authorize it; you will not be charged twice.",

	ContinuePay: "Continue payment",
	Confirming:  "We are confirming a payment of this request with the payment gateway. Reload this page in a few minutes; please do not pay again meanwhile.",
	NoGateways:  "No payment method is available for this payment request right now. Please try again in a few minutes.",
	PayNote:     "You will pay on the payment gateway's secure page; this site never sees your card's details.",
	Failures: map[string]string{
		"card_declined":            "Payment declined: the bank declined the charge.",
		"insufficient_funds":       "Payment declined: the card has insufficient funds.",
		"lost_card":                "Payment declined: the card was reported lost.",
		"canceled":                 "You canceled the payment.",
		"payment_page_expired":     "The payment page expired before you finished.",
		"payment_page_unavailable": "We could not open the payment gateway's page.",
	},
	FailedAgain: "Nothing was charged. You can try again, with another card if you like.",
	FailedOther: "The last payment attempt did not go through.",
	GatewaySaid: "The gateway said: %s",
	ToInvoice:   "Back to the payment request",

	SimTitle:     "Pay with a test card",
	SimIntro:     "Pick the test card to pay with. Each one always behaves the same way.",
	SimAmount:    "Amount",
	SimInvoice:   "Payment request %s",
	SimNoCard:    "Pick one of the test cards to pay.",
	SimGoneTitle: "Payment page expired",
	SimGoneBody:  "This payment page was already used or has expired. Go back to the payment request to see where it stands or to pay it again.",
}
