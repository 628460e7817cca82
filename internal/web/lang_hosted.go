package web

// hosted holds the strings of the checkout, pricing-table and portal pages
// in one language.
type hosted struct {
	MoneyLocale string // the CLDR locale amounts are formatted in
	Months      [12]string
	DateFormat  string // fmt pattern: day, month name, year (es) or month name, day, year (en)
	DayFirst    bool

	TestBanner string

	// Intervals: "al mes" / "per month"; plural forms for counts > 1.
	Per      map[string]string
	Every    map[string]string // "cada %d meses" / "every %d months"
	Cycle    map[string]string // "Mensual" / "Monthly" (toggle and choices)
	CycleAlt string            // a cycle not in Cycle

	CheckoutTitle   string
	Subscribe       string // "Suscribirse a" + product
	SaveCardTitle   string
	SaveCardIntro   string
	Features        string
	ChooseCycle     string
	Email           string
	EmailHelp       string
	PromoCode       string
	Apply           string
	PromoApplied    string // %s code, %s the discount as a negative amount
	Subtotal        string
	Discount        string
	DueToday        string
	TrialIncluded   string // %d days
	TrialThen       string // %s date, %s amount
	Gateway         string
	GatewayNames    map[string]string
	Continue        string
	ContinueSetup   string
	Back            string
	CardNote        string
	Quantity        string
	Redirecting     string
	RedirectingBody string
	DoneTitle       string
	DoneBody        string
	SetupDoneBody   string
	CompleteTitle   string
	CompleteBody    string
	ExpiredTitle    string
	ExpiredBody     string

	Failures     map[string]string // app.CheckoutFail… codes and form errors
	DeclineCodes map[string]string // gateway decline codes

	PricingTitle string
	BillingCycle string
	ChoosePlan   string
	NoPlans      string
	ThanksTitle  string
	ThanksBody   string

	PortalTitle     string
	Subscriptions   string
	NoSubscriptions string
	Status          map[string]string
	NextRenewal     string // %s date, %s amount
	TrialUntil      string // %s date
	CancelsOn       string // %s date
	EndedOn         string // %s date
	ScheduledChange string // %s date
	ChangePlan      string
	CancelSub       string
	Reactivate      string
	PaymentMethod   string
	NoPaymentMethod string
	CardExpires     string // brand, last4 then this and MM/YY
	UpdateCard      string
	CreditBalance   string // the customer's credit, followed by its amount
	InvoiceNumber   string
	InvoiceDate     string
	InvoiceTotal    string
	InvoiceStatus   string
	InvoiceStatuses map[string]string
	ReturnTo        string // %s merchant
	Notices         map[string]string

	CancelTitle   string // %s product
	CancelBody    string // %s date
	CancelConfirm string
	CancelKeep    string

	ChangeTitle      string
	ChangeIntro      string
	CurrentPlan      string
	NewPlan          string
	SeeChange        string
	PreviewTitle     string
	ProrationCredit  string
	ProrationCharge  string
	PeriodCharge     string // a change of billing interval's new period: product, end date
	ChargedNow       string
	CreditUsed       string // the customer's credit a change's invoice uses
	BalanceOwed      string // what the customer owes, added to a change's invoice
	AppliesAt        string // %s date
	NothingNow       string
	NextAfterChange  string // %s amount
	DowngradeWarning string
	FeatureChange    string // %s name, %d old, %d new
	ConfirmChange    string
	NoOtherPlans     string
	PortalExpired    string
}

var hostedES = &hosted{
	MoneyLocale: "es-CL",
	Months:      [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	DayFirst:    true,
	DateFormat:  "%d de %s de %d",
	TestBanner:  "Modo de prueba: no se cobra dinero real.",
	Per:         map[string]string{"day": "al día", "week": "a la semana", "month": "al mes", "year": "al año"},
	Every:       map[string]string{"day": "cada %d días", "week": "cada %d semanas", "month": "cada %d meses", "year": "cada %d años"},
	Cycle:       map[string]string{"month": "Mensual", "year": "Anual"},
	CycleAlt:    "Otro periodo",

	CheckoutTitle:   "Pagar",
	Subscribe:       "Suscribirse a",
	SaveCardTitle:   "Guardar una tarjeta",
	SaveCardIntro:   "Registra la tarjeta con la que pagarás tus próximos cobros. Hoy no se cobra nada.",
	Features:        "Incluye",
	ChooseCycle:     "Periodo de facturación",
	Email:           "Correo electrónico",
	EmailHelp:       "Te enviaremos los comprobantes a este correo.",
	PromoCode:       "Código de promoción",
	Apply:           "Aplicar",
	PromoApplied:    "Código %s aplicado: %s.",
	Subtotal:        "Subtotal",
	Discount:        "Descuento",
	DueToday:        "Total a pagar hoy",
	TrialIncluded:   "Incluye %d días de prueba gratis.",
	TrialThen:       "Primer cobro el %s por %s.",
	Gateway:         "Registrar la tarjeta con",
	GatewayNames:    map[string]string{"sim": "Tarjeta de prueba (simulador de cuota)", "flow": "Flow (Webpay y tarjetas chilenas)", "stripe": "Stripe (tarjetas internacionales)"},
	Continue:        "Continuar con la tarjeta",
	ContinueSetup:   "Continuar para registrar la tarjeta",
	Back:            "Volver",
	CardNote:        "Registrarás tu tarjeta en la página segura de la pasarela de pago; este sitio nunca ve sus datos.",
	Quantity:        "Cantidad",
	Redirecting:     "Te estamos redirigiendo…",
	RedirectingBody: "Si la página no avanza sola, usa el botón.",
	DoneTitle:       "¡Listo!",
	DoneBody:        "Tu suscripción quedó activa. Te llevamos de vuelta al comercio.",
	SetupDoneBody:   "Tu tarjeta quedó guardada. Te llevamos de vuelta al comercio.",
	CompleteTitle:   "Compra completada",
	CompleteBody:    "Esta compra ya se completó; no se cobrará de nuevo.",
	ExpiredTitle:    "Enlace vencido",
	ExpiredBody:     "Este enlace de pago venció. Vuelve al sitio del comercio para empezar de nuevo.",

	Failures: map[string]string{
		"card_declined":       "Tu tarjeta fue rechazada y no se cobró nada. Prueba con otra tarjeta.",
		"setup_failed":        "No se pudo registrar la tarjeta. Inténtalo de nuevo o usa otra.",
		"setup_canceled":      "No registraste una tarjeta. Puedes intentarlo de nuevo.",
		"setup_unfinished":    "La pasarela aún no confirma tu tarjeta. Inténtalo de nuevo.",
		"already_subscribed":  "Ya tienes una suscripción activa a este plan, así que no te cobramos de nuevo. Revisa tu correo o tu cuenta en el sitio del comercio.",
		"subscription_failed": "No pudimos crear tu suscripción. No se cobró nada.",
		"trial_already_used":  "Ya usaste el periodo de prueba de este comercio.",
		"email":               "Escribe un correo electrónico válido.",
		"promotion_code":      "Ese código de promoción no es válido o ya no está disponible.",
		"price":               "Elige uno de los periodos de facturación.",
		"gateway_unavailable": "La pasarela de pago no está respondiendo y no se cobró nada. Elige otra o inténtalo en unos minutos.",
		"form_expired":        "La página estaba desactualizada. La recargamos: inténtalo de nuevo.",
	},
	DeclineCodes: map[string]string{
		"card_declined":      "El banco rechazó el cobro.",
		"insufficient_funds": "La tarjeta no tiene fondos suficientes.",
		"lost_card":          "La tarjeta fue reportada como perdida.",
	},

	PricingTitle: "Planes",
	BillingCycle: "Facturación",
	ChoosePlan:   "Suscribirse",
	NoPlans:      "Todavía no hay planes disponibles.",
	ThanksTitle:  "¡Gracias!",
	ThanksBody:   "Tu suscripción quedó registrada. Te enviaremos un correo con los detalles.",

	PortalTitle:     "Tu suscripción",
	Subscriptions:   "Suscripciones",
	NoSubscriptions: "No tienes suscripciones.",
	Status: map[string]string{"active": "Activa", "trialing": "En prueba", "past_due": "Pago pendiente", "unpaid": "Impaga",
		"paused": "En pausa", "canceled": "Cancelada", "incomplete": "Pago en proceso", "incomplete_expired": "Sin completar"},
	NextRenewal:     "Próxima renovación: %s por %s.",
	TrialUntil:      "Prueba gratis hasta el %s.",
	CancelsOn:       "Se cancela el %s; no se volverá a cobrar.",
	EndedOn:         "Terminó el %s.",
	ScheduledChange: "Cambio de plan programado para el %s.",
	ChangePlan:      "Cambiar plan",
	CancelSub:       "Cancelar suscripción",
	Reactivate:      "Reactivar suscripción",
	PaymentMethod:   "Método de pago",
	NoPaymentMethod: "No hay una tarjeta guardada.",
	CardExpires:     "vence",
	UpdateCard:      "Actualizar tarjeta",
	CreditBalance:   "Saldo a favor",
	InvoiceNumber:   "Número",
	InvoiceDate:     "Fecha",
	InvoiceTotal:    "Total",
	InvoiceStatus:   "Estado",
	InvoiceStatuses: map[string]string{"open": "Por pagar", "paid": "Pagado", "void": "Anulado", "uncollectible": "Incobrable"},
	ReturnTo:        "Volver a %s",
	Notices: map[string]string{
		"canceled":     "Listo: tu suscripción se cancelará al final del periodo.",
		"reactivated":  "Listo: tu suscripción sigue activa.",
		"changed":      "Listo: cambiaste tu plan.",
		"card_updated": "Guardamos tu nueva tarjeta.",
		"card_failed":  "No se guardó la tarjeta. Puedes intentarlo de nuevo.",
	},

	CancelTitle:   "¿Cancelar %s?",
	CancelBody:    "Seguirá activa hasta el %s. Después no se renovará ni se te cobrará. Puedes reactivarla antes de esa fecha.",
	CancelConfirm: "Sí, cancelar al final del periodo",
	CancelKeep:    "No, mantener mi suscripción",

	ChangeTitle:      "Cambiar de plan",
	ChangeIntro:      "Elige el plan nuevo. Antes de confirmar verás exactamente cuánto se cobra.",
	CurrentPlan:      "Plan actual",
	NewPlan:          "Plan nuevo",
	SeeChange:        "Ver el cambio",
	PreviewTitle:     "Así queda el cambio",
	ProrationCredit:  "Crédito por el tiempo no usado de %s",
	ProrationCharge:  "Tiempo restante de %s",
	PeriodCharge:     "%s hasta el %s",
	ChargedNow:       "Se cobra hoy",
	CreditUsed:       "Saldo a favor usado",
	BalanceOwed:      "Saldo pendiente",
	AppliesAt:        "El cambio se aplica el %s.",
	NothingNow:       "Hoy no se cobra nada.",
	NextAfterChange:  "Desde entonces pagarás %s.",
	DowngradeWarning: "Con este cambio tendrás menos:",
	FeatureChange:    "%s: de %d a %d",
	ConfirmChange:    "Confirmar el cambio",
	NoOtherPlans:     "No hay otros planes a los que cambiar.",
	PortalExpired:    "Este enlace a tu cuenta venció (dura una hora). Vuelve al sitio del comercio para abrir uno nuevo.",
}

var hostedEN = &hosted{
	MoneyLocale: "en",
	Months:      [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	DateFormat:  "%s %d, %d",
	TestBanner:  "Test mode: no real money is charged.",
	Per:         map[string]string{"day": "per day", "week": "per week", "month": "per month", "year": "per year"},
	Every:       map[string]string{"day": "every %d days", "week": "every %d weeks", "month": "every %d months", "year": "every %d years"},
	Cycle:       map[string]string{"month": "Monthly", "year": "Annual"},
	CycleAlt:    "Other period",

	CheckoutTitle:   "Checkout",
	Subscribe:       "Subscribe to",
	SaveCardTitle:   "Save a card",
	SaveCardIntro:   "Save the card your future payments will be charged to. Nothing is charged today.",
	Features:        "Includes",
	ChooseCycle:     "Billing period",
	Email:           "Email",
	EmailHelp:       "Receipts are sent to this address.",
	PromoCode:       "Promotion code",
	Apply:           "Apply",
	PromoApplied:    "Code %s applied: %s.",
	Subtotal:        "Subtotal",
	Discount:        "Discount",
	DueToday:        "Total due today",
	TrialIncluded:   "Includes a %d-day free trial.",
	TrialThen:       "First charge on %s for %s.",
	Gateway:         "Save the card with",
	GatewayNames:    map[string]string{"sim": "Test card (cuota's simulator)", "flow": "Flow (Chilean cards)", "stripe": "Stripe (international cards)"},
	Continue:        "Continue to card",
	ContinueSetup:   "Continue to save the card",
	Back:            "Back",
	CardNote:        "You will enter your card on the payment gateway's secure page; this site never sees its details.",
	Quantity:        "Quantity",
	Redirecting:     "Redirecting you…",
	RedirectingBody: "If the page does not move on by itself, use the button.",
	DoneTitle:       "All set!",
	DoneBody:        "Your subscription is active. Taking you back to the merchant.",
	SetupDoneBody:   "Your card is saved. Taking you back to the merchant.",
	CompleteTitle:   "Checkout complete",
	CompleteBody:    "This checkout is already complete; you will not be charged again.",
	ExpiredTitle:    "Link expired",
	ExpiredBody:     "This checkout link has expired. Go back to the merchant's site to start again.",

	Failures: map[string]string{
		"card_declined":       "Your card was declined and nothing was charged. Try another card.",
		"setup_failed":        "The card could not be saved. Try again or use another card.",
		"setup_canceled":      "You did not save a card. You can try again.",
		"setup_unfinished":    "The gateway has not confirmed your card yet. Try again.",
		"already_subscribed":  "You already have an active subscription to this plan, so you were not charged again. Check your email or your account on the merchant's site.",
		"subscription_failed": "We could not create your subscription. Nothing was charged.",
		"trial_already_used":  "You have already used this merchant's free trial.",
		"email":               "Enter a valid email address.",
		"promotion_code":      "That promotion code is not valid or no longer available.",
		"price":               "Pick one of the billing periods.",
		"gateway_unavailable": "The payment gateway is not answering and nothing was charged. Pick another one or try again in a few minutes.",
		"form_expired":        "The page was out of date. We reloaded it: please try again.",
	},
	DeclineCodes: map[string]string{
		"card_declined":      "The bank declined the charge.",
		"insufficient_funds": "The card has insufficient funds.",
		"lost_card":          "The card was reported lost.",
	},

	PricingTitle: "Plans",
	BillingCycle: "Billing",
	ChoosePlan:   "Subscribe",
	NoPlans:      "No plans are available yet.",
	ThanksTitle:  "Thank you!",
	ThanksBody:   "Your subscription is set up. We will email you the details.",

	PortalTitle:     "Your subscription",
	Subscriptions:   "Subscriptions",
	NoSubscriptions: "You have no subscriptions.",
	Status: map[string]string{"active": "Active", "trialing": "Trial", "past_due": "Payment due", "unpaid": "Unpaid",
		"paused": "Paused", "canceled": "Canceled", "incomplete": "Payment processing", "incomplete_expired": "Not completed"},
	NextRenewal:     "Next renewal: %s for %s.",
	TrialUntil:      "Free trial until %s.",
	CancelsOn:       "Cancels on %s; you will not be charged again.",
	EndedOn:         "Ended on %s.",
	ScheduledChange: "Plan change scheduled for %s.",
	ChangePlan:      "Change plan",
	CancelSub:       "Cancel subscription",
	Reactivate:      "Reactivate subscription",
	PaymentMethod:   "Payment method",
	NoPaymentMethod: "No card is saved.",
	CardExpires:     "expires",
	UpdateCard:      "Update card",
	CreditBalance:   "Account credit",
	InvoiceNumber:   "Number",
	InvoiceDate:     "Date",
	InvoiceTotal:    "Total",
	InvoiceStatus:   "Status",
	InvoiceStatuses: map[string]string{"open": "Due", "paid": "Paid", "void": "Void", "uncollectible": "Uncollectible"},
	ReturnTo:        "Back to %s",
	Notices: map[string]string{
		"canceled":     "Done: your subscription will cancel at the end of the period.",
		"reactivated":  "Done: your subscription stays active.",
		"changed":      "Done: your plan was changed.",
		"card_updated": "Your new card is saved.",
		"card_failed":  "The card was not saved. You can try again.",
	},

	CancelTitle:   "Cancel %s?",
	CancelBody:    "It stays active until %s. After that it will not renew and you will not be charged. You can reactivate it before then.",
	CancelConfirm: "Yes, cancel at period end",
	CancelKeep:    "No, keep my subscription",

	ChangeTitle:      "Change plan",
	ChangeIntro:      "Pick the new plan. Before you confirm you will see exactly what is charged.",
	CurrentPlan:      "Current plan",
	NewPlan:          "New plan",
	SeeChange:        "Review the change",
	PreviewTitle:     "What the change does",
	ProrationCredit:  "Credit for unused time on %s",
	ProrationCharge:  "Remaining time on %s",
	PeriodCharge:     "%s until %s",
	ChargedNow:       "Charged today",
	CreditUsed:       "Account credit used",
	BalanceOwed:      "Balance owed",
	AppliesAt:        "The change applies on %s.",
	NothingNow:       "Nothing is charged today.",
	NextAfterChange:  "From then on you will pay %s.",
	DowngradeWarning: "With this change you get less:",
	FeatureChange:    "%s: from %d to %d",
	ConfirmChange:    "Confirm the change",
	NoOtherPlans:     "There are no other plans to change to.",
	PortalExpired:    "This link to your account has expired (it lasts one hour). Go back to the merchant's site to open a new one.",
}
