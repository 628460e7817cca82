package web

import "github.com/cuota/cuota/internal/billing"

// pagesLang holds the strings of the customer pages' later parts: the
// cancellation's reasons, the portal's invoice links, the PDF download,
// the one-time checkout and the thank-you page after a checkout.
type pagesLang struct {
	// Feedback names each billing.CancellationFeedback.
	Feedback       map[billing.CancellationFeedback]string
	CancelWhy      string
	CancelComment  string
	CancelOptional string // after the comment's label
	CancelFailures map[string]string

	InvoicePDF      string // the portal's link to an invoice's PDF
	InvoiceLinks    string // the links' column, for screen readers
	OpenInvoice     string // %s number: the page link's accessible name
	DownloadInvoice string // %s number: the PDF link's accessible name
	DownloadPDF     string

	Pay          string // a one-time checkout's heading and button
	ToPortal     string // from a subscription's thank-you page
	ToPortalPaid string // from a one-time purchase's
	ToPortalNote string

	ThanksTitle      string
	ThanksSubscribed string // %s merchant
	ThanksPaid       string // %s merchant
	Bought           string
	PaidToday        string
	Includes         string // before the tax rates a checkout's totals include: "Incluye IVA 19 %"
	NextCharge       string // %s date, %s amount
	TrialEnds        string // %s date
	NoNextCharge     string
	BackToMerchant   string // %s merchant
}

var pagesES = &pagesLang{
	Feedback: map[billing.CancellationFeedback]string{
		billing.FeedbackTooExpensive:    "Es demasiado caro",
		billing.FeedbackMissingFeatures: "Le faltan funciones que necesito",
		billing.FeedbackSwitchedService: "Me cambié a otro servicio",
		billing.FeedbackUnused:          "No lo uso lo suficiente",
		billing.FeedbackCustomerService: "No quedé conforme con la atención",
		billing.FeedbackTooComplex:      "Es difícil de usar",
		billing.FeedbackLowQuality:      "La calidad no es la que esperaba",
		billing.FeedbackOther:           "Otro motivo",
	},
	CancelWhy:      "¿Por qué cancelas?",
	CancelComment:  "¿Quieres contarnos algo más?",
	CancelOptional: "(opcional)",
	CancelFailures: map[string]string{
		"cancellation_details.feedback": "Elige un motivo para cancelar.",
		"cancellation_details.comment":  "El comentario puede tener hasta 500 caracteres.",
	},

	InvoicePDF:      "PDF",
	InvoiceLinks:    "Documentos",
	OpenInvoice:     "Ver documento %s",
	DownloadInvoice: "Descargar el PDF del documento %s",
	DownloadPDF:     "Descargar PDF",

	Pay:          "Pagar",
	ToPortal:     "Administrar mi suscripción",
	ToPortalPaid: "Ver mis compras y documentos",
	ToPortalNote: "Desde el portal puedes ver tus documentos, cambiar tu tarjeta o cancelar.",

	ThanksTitle:      "¡Gracias por tu compra!",
	ThanksSubscribed: "Tu suscripción con %s está activa.",
	ThanksPaid:       "Tu pago a %s fue recibido.",
	Bought:           "Tu compra",
	PaidToday:        "Pagado hoy",
	Includes:         "Incluye",
	NextCharge:       "Próximo cobro: %s por %s.",
	TrialEnds:        "Tu prueba gratis termina el %s.",
	NoNextCharge:     "No hay más cobros programados.",
	BackToMerchant:   "Volver a %s",
}

var pagesEN = &pagesLang{
	Feedback: map[billing.CancellationFeedback]string{
		billing.FeedbackTooExpensive:    "It is too expensive",
		billing.FeedbackMissingFeatures: "It lacks features I need",
		billing.FeedbackSwitchedService: "I switched to another service",
		billing.FeedbackUnused:          "I do not use it enough",
		billing.FeedbackCustomerService: "I was not happy with the support",
		billing.FeedbackTooComplex:      "It is hard to use",
		billing.FeedbackLowQuality:      "The quality is not what I expected",
		billing.FeedbackOther:           "Another reason",
	},
	CancelWhy:      "Why are you canceling?",
	CancelComment:  "Anything else you want to tell us?",
	CancelOptional: "(optional)",
	CancelFailures: map[string]string{
		"cancellation_details.feedback": "Pick a reason to cancel.",
		"cancellation_details.comment":  "The comment can have up to 500 characters.",
	},

	InvoicePDF:      "PDF",
	InvoiceLinks:    "Documents",
	OpenInvoice:     "View document %s",
	DownloadInvoice: "Download the PDF of document %s",
	DownloadPDF:     "Download PDF",

	Pay:          "Pay",
	ToPortal:     "Manage my subscription",
	ToPortalPaid: "See my purchases and documents",
	ToPortalNote: "In the portal you can see your documents, change your card or cancel.",

	ThanksTitle:      "Thank you for your purchase!",
	ThanksSubscribed: "Your subscription with %s is active.",
	ThanksPaid:       "Your payment to %s was received.",
	Bought:           "Your purchase",
	PaidToday:        "Paid today",
	Includes:         "Includes",
	NextCharge:       "Next charge: %s for %s.",
	TrialEnds:        "Your free trial ends on %s.",
	NoNextCharge:     "No further charges are scheduled.",
	BackToMerchant:   "Back to %s",
}
