package web

import (
	"net/http"

	"github.com/cuota/cuota/internal/billing"
	"github.com/cuota/cuota/internal/textcut"
)

// lang holds a page language's strings. Spanish (Chile) is the default;
// English is the other one.
type lang struct {
	HTMLLang string

	SetupTitle   string
	BannerStrong string
	Banner       string
	Intro        string
	ChooseCard   string
	Expires      string // followed by a time in UTC
	Save         string
	Cancel       string
	NoCard       string
	BadForm      string

	NotFoundTitle  string
	NotFoundBody   string
	GoneTitle      string
	GoneBody       string
	ForbiddenTitle string
	ForbiddenBody  string
	BadTitle       string
	ErrorTitle     string
	ErrorBody      string
	// UnavailableTitle and UnavailableBody answer a request the server
	// cannot serve for now for a reason that is the operator's to fix
	// (e.g. sealed gateway credentials without CUOTA_SECRET_KEY): the
	// customer only learns to come back later.
	UnavailableTitle string
	UnavailableBody  string

	// Tokens describes each sim test token; a token missing here shows
	// the sim package's English description.
	Tokens map[string]string

	// B labels the merchant's details at the foot of every page.
	B *brandLang
	// H holds the strings of the checkout, pricing and portal pages.
	H *hosted
	// I holds the strings of the invoice and sim pay pages.
	I *invoiceLang
	// P holds the strings of the customer pages' later parts (lang_pages.go).
	P *pagesLang
}

var spanish = &lang{
	HTMLLang:     "es-CL",
	B:            brandES,
	H:            hostedES,
	I:            invoiceES,
	P:            pagesES,
	SetupTitle:   "Tarjeta de prueba (modo test)",
	BannerStrong: "Modo de prueba.",
	Banner:       "Esta es la pasarela simulada de cuota: no se mueve dinero real y ninguna tarjeta de verdad se guarda ni se cobra.",
	Intro:        "Elige la tarjeta de prueba que quieres guardar. Cada una se comporta siempre igual cuando se le cobra.",
	ChooseCard:   "Tarjeta de prueba",
	Expires:      "Este enlace vence el",
	Save:         "Guardar tarjeta",
	Cancel:       "Cancelar",
	NoCard:       "Elige una tarjeta para guardarla.",
	BadForm:      "El formulario enviado no es válido. Vuelve a abrir el enlace e inténtalo de nuevo.",

	NotFoundTitle:    "Enlace no encontrado",
	NotFoundBody:     "No encontramos este enlace. Revisa que lo hayas abierto completo o pide uno nuevo al comercio.",
	GoneTitle:        "Enlace vencido",
	GoneBody:         "Este enlace para guardar una tarjeta ya venció o ya se usó. Pide uno nuevo al comercio.",
	ForbiddenTitle:   "Solicitud rechazada",
	ForbiddenBody:    "El formulario se envió desde otro sitio, así que no lo aceptamos. Abre el enlace que te envió el comercio e inténtalo desde ahí.",
	BadTitle:         "Solicitud no válida",
	ErrorTitle:       "Algo salió mal",
	ErrorBody:        "No pudimos completar la operación. Inténtalo de nuevo en unos minutos.",
	UnavailableTitle: "Pagos no disponibles",
	UnavailableBody:  "Los pagos no están disponibles por el momento. Inténtalo de nuevo más tarde.",

	Tokens: map[string]string{
		billing.SimTokVisa:               "Siempre se aprueba.",
		billing.SimTokChargeDeclined:     "Rechazada: card_declined (del cliente; la cobranza reintenta).",
		billing.SimTokInsufficientFunds:  "Rechazada: insufficient_funds (del cliente; la cobranza reintenta).",
		billing.SimTokLostCard:           "Rechazada: lost_card (definitiva; nunca se reintenta).",
		billing.SimTokFailAfterFirst:     "El primer cobro se aprueba; los siguientes se rechazan con card_declined.",
		billing.SimTokTimeoutAfterCharge: "El cobro se hace y luego la llamada vence por tiempo (resultado desconocido hasta consultarlo).",
		billing.SimTokGatewayError:       "Alterna: un error 502 sin cobro y luego un cobro aprobado en el siguiente intento.",
	},
}

var english = &lang{
	HTMLLang:     "en",
	B:            brandEN,
	H:            hostedEN,
	I:            invoiceEN,
	P:            pagesEN,
	SetupTitle:   "Test card (test mode)",
	BannerStrong: "Test mode.",
	Banner:       "This is cuota's simulated gateway: no real money moves and no real card is saved or charged.",
	Intro:        "Pick the test card you want to save. Each one always behaves the same way when it is charged.",
	ChooseCard:   "Test card",
	Expires:      "This link expires on",
	Save:         "Save card",
	Cancel:       "Cancel",
	NoCard:       "Pick a card to save.",
	BadForm:      "The form sent is not valid. Open the link again and retry.",

	NotFoundTitle:    "Link not found",
	NotFoundBody:     "We could not find this link. Check that you opened all of it, or ask the merchant for a new one.",
	GoneTitle:        "Link expired",
	GoneBody:         "This card setup link has expired or was already used. Ask the merchant for a new one.",
	ForbiddenTitle:   "Request refused",
	ForbiddenBody:    "The form was sent from another site, so it was not accepted. Open the link the merchant sent you and try from there.",
	BadTitle:         "Invalid request",
	ErrorTitle:       "Something went wrong",
	ErrorBody:        "We could not finish. Please try again in a few minutes.",
	UnavailableTitle: "Payments unavailable",
	UnavailableBody:  "Payments are temporarily unavailable. Please try again later.",
}

// describe returns what a test token does, in l's language.
func (l *lang) describe(t billing.SimCard) string {
	if d, ok := l.Tokens[t.Token]; ok {
		return d
	}
	return t.Description
}

// pickLang chooses a hosted page's language by billing.PickLocale: the
// page's ?lang=, else the locales given (the customer's, then the
// merchant's), else Spanish (Chile). The browser's Accept-Language does not
// count: a customer sees the language the merchant and they chose, on any
// device.
func pickLang(r *http.Request, locales ...string) *lang {
	return langOf(billing.PickLocale(append([]string{textcut.Bytes(r.URL.Query().Get("lang"), 35)}, locales...)...))
}

// langOf maps a BCP 47 tag to a page language: English for an English
// tag, else Spanish.
func langOf(tag string) *lang {
	if billing.LocaleLanguage(tag) == "en" {
		return english
	}
	return spanish
}
