package console

import (
	"net/http"
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// lang holds the console's strings in one language: Spanish (Chile), the
// default, or English.
type lang struct {
	// Each area's strings live in its own file.
	moneyLang
	configLang
	opsLang
	authLang

	Tag         string // the HTML lang attribute and the locale of numbers
	Other       string // the other language's tag, for the switch
	OtherName   string // the other language, named in itself
	Months      [12]string
	MonthsShort [12]string

	Console, Skip, Menu                        string
	NavOverview, NavCustomers, NavSubs, NavSet string
	NavKeys, NavUsers, NavSecurity             string
	NavInvoices, NavPayments, NavCatalog       string
	NavWebhooks, NavEmails, NavAlerts          string
	SignOut, SignedInAs                        string
	TestBanner, LiveBanner                     string
	ToLive, ToTest                             string
	Language                                   string

	SignInTitle, Email, Password, Code, CodeHint, SignIn string
	SignInFailed, SignInWait, SignInLocked               string
	SessionEnded                                         string

	ForbiddenTitle, ForbiddenBody, CSRFBody string
	NotFoundTitle, NotFoundBody             string
	ErrorTitle, ErrorBody                   string
	BadForm                                 string

	OverviewTitle, Currency, Show, MRR, MRRChart                   string
	MonthCol, StartCol, NewCol, ExpansionCol, ContractionCol       string
	ChurnCol, ReactivationCol, EndCol                              string
	Figures, ThisPeriod, PrevPeriod, Change                        string
	FigMRR, FigSubs, FigCustomers, FigNetRevenue, FigPayments      string
	FigLogoChurn, FigRevenueChurn, FigARPA, FigTrialConv, FigRecov string
	NoValue, PeriodNote                                            string
	LegendMRR, LegendGain, LegendLoss                              string

	CustomersTitle, Search, SearchLabel, SearchButton, NoCustomers string
	Name, ExternalID, Created, Next, First                         string
	CustomerTitle, Subscriptions, Invoices, Payments, Methods      string
	Timeline, NoneYet, Status, Plan, Period, Amount, Number, Date  string
	Card, Expires, Gateway, Event, CancelsAtEnd                    string
	SubStatus                                                      map[billing.SubscriptionStatus]string
	InvStatus                                                      map[billing.InvoiceStatus]string
	PayStatus                                                      map[billing.PaymentStatus]string
	Events                                                         map[string]string

	SubsTitle, AllStatuses, Filter, Customer, Renews, CancelAtEnd string
	CancelReason, ReasonCustomer, ReasonMerchant, Canceled        string
	CancelTitle, CancelConfirm                                    string

	KeysTitle, KeysIntro, Key, Mode, LastUsed, Revoked, Never, Revoke, CreateKey string
	KeyCreated, KeyOnce, Active, TestMode, LiveMode, KeyRevoked                  string

	UsersTitle, Role, Invite, InviteTitle, InviteLink, InviteOnce, Pending      string
	ChangeRole, Remove, You, Roles, RoleWhat, Expires2, Removed, RoleChanged    string
	RoleNames                                                                   map[billing.Role]string
	RoleDescriptions                                                            map[billing.Role]string
	AcceptTitle, AcceptIntro, ChoosePassword, Accept, InvitationGone            string
	PasswordRule                                                                string
	Errors                                                                      map[string]string
	SecurityTitle, TOTPOn, TOTPOff, TOTPSetup, TOTPSecret, TOTPEnable, TOTPOff2 string
	TOTPIntro                                                                   string
	Sessions, SessionsIntro, SignOutAll                                         string
}

var spanish = &lang{
	Tag: "es-CL", Other: "en", OtherName: "English",
	Months:      [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
	MonthsShort: [12]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"},

	Console: "Consola", Skip: "Ir al contenido", Menu: "Menú",
	NavOverview: "Resumen", NavCustomers: "Clientes", NavSubs: "Suscripciones", NavSet: "Ajustes",
	NavKeys: "Claves de API", NavUsers: "Usuarios", NavSecurity: "Seguridad",
	NavInvoices: billing.DocumentListName("es-CL").Heading, NavPayments: "Pagos", NavCatalog: "Catálogo",
	NavWebhooks: "Webhooks", NavEmails: "Correos", NavAlerts: "Alertas",
	moneyLang: spanishMoney, configLang: spanishConfig, opsLang: spanishOps, authLang: spanishAuth,
	SignOut: "Cerrar sesión", SignedInAs: "Sesión de",
	TestBanner: "Modo de prueba: estás viendo datos de prueba.", LiveBanner: "Modo en vivo: datos reales.",
	ToLive: "Ver datos en vivo", ToTest: "Ver datos de prueba", Language: "Idioma",

	SignInTitle: "Iniciar sesión", Email: "Correo electrónico", Password: "Contraseña",
	Code: "Código de verificación", CodeHint: "Solo si activaste la verificación en dos pasos.", SignIn: "Entrar",
	SignInFailed: "El correo, la contraseña o el código no son correctos.",
	SignInWait:   "Demasiados intentos fallidos. Espera %d segundos e inténtalo de nuevo.",
	SignInLocked: "Demasiados intentos fallidos: el acceso desde esta conexión está bloqueado por %d minutos. Si eres tú, puedes elegir una nueva contraseña.",
	SessionEnded: "Tu sesión terminó. Vuelve a iniciar sesión.",

	ForbiddenTitle: "Acción no permitida", ForbiddenBody: "Tu rol no permite hacer esto. Pide a quien administra la cuenta que lo haga o que cambie tu rol.",
	CSRFBody:      "El formulario no traía una firma válida de tu sesión, así que no lo aceptamos. Vuelve a la página e inténtalo de nuevo.",
	NotFoundTitle: "Página no encontrada", NotFoundBody: "No encontramos lo que buscas en este modo.",
	ErrorTitle: "Algo salió mal", ErrorBody: "No pudimos completar la operación. Inténtalo de nuevo en unos minutos.",
	BadForm: "El formulario enviado no es válido.",

	OverviewTitle: "Resumen", Currency: "Moneda", Show: "Ver", MRR: "Ingreso recurrente mensual (MRR)",
	MRRChart: "MRR al cierre de cada mes, últimos 12 meses",
	MonthCol: "Mes", StartCol: "Inicio", NewCol: "Nuevos", ExpansionCol: "Expansión", ContractionCol: "Contracción",
	ChurnCol: "Bajas", ReactivationCol: "Reactivación", EndCol: "Cierre",
	Figures: "Cifras clave", ThisPeriod: "Este mes", PrevPeriod: "Mes anterior", Change: "Cambio",
	FigMRR: "MRR", FigSubs: "Suscripciones activas", FigCustomers: "Clientes activos", FigNetRevenue: "Recaudación neta",
	FigPayments: "Pagos exitosos", FigLogoChurn: "Bajas de clientes", FigRevenueChurn: "Pérdida de ingresos",
	FigARPA: "Ingreso promedio por cliente", FigTrialConv: "Conversión de pruebas", FigRecov: "Cobros recuperados",
	NoValue: "—", PeriodNote: "Este mes va desde el día 1 hasta ahora, en la zona horaria del comercio (%s).",
	LegendMRR: "MRR al cierre del mes", LegendGain: "Ganado: nuevos, expansión y reactivación",
	LegendLoss: "Perdido: contracción y bajas",

	CustomersTitle: "Clientes", Search: "Buscar", SearchLabel: "Correo, nombre o ID externo", SearchButton: "Buscar",
	NoCustomers: "No hay clientes que coincidan.", Name: "Nombre", ExternalID: "ID externo", Created: "Creado",
	Next: "Siguientes", First: "Volver al inicio",
	CustomerTitle: "Cliente", Subscriptions: "Suscripciones", Invoices: "Documentos", Payments: "Pagos",
	Methods: "Medios de pago", Timeline: "Actividad", NoneYet: "Todavía no hay.", Status: "Estado", Plan: "Plan",
	Period: "Período actual", Amount: "Monto", Number: "Número", Date: "Fecha", Card: "Tarjeta", Expires: "Vence",
	Gateway: "Pasarela", Event: "Evento", CancelsAtEnd: "se cancela al final del período",
	SubStatus: map[billing.SubscriptionStatus]string{
		billing.SubscriptionActive: "Activa", billing.SubscriptionTrialing: "En prueba", billing.SubscriptionPastDue: "Pago atrasado",
		billing.SubscriptionCanceled: "Cancelada", billing.SubscriptionUnpaid: "Impaga", billing.SubscriptionPaused: "Pausada",
		billing.SubscriptionIncomplete: "Incompleta", billing.SubscriptionIncompleteExpired: "Incompleta vencida",
	},
	InvStatus: map[billing.InvoiceStatus]string{
		billing.InvoiceDraft: "Borrador", billing.InvoiceOpen: "Por pagar", billing.InvoicePaid: "Pagado",
		billing.InvoiceVoid: "Anulado", billing.InvoiceUncollectible: "Incobrable",
	},
	PayStatus: map[billing.PaymentStatus]string{
		billing.PaymentPending: "Pendiente", billing.PaymentSucceeded: "Exitoso", billing.PaymentFailed: "Fallido",
		billing.PaymentUnknown: "Por confirmar",
	},
	Events: map[string]string{
		"customer.created": "Cliente creado", "customer.updated": "Cliente actualizado", "customer.deleted": "Cliente eliminado",
		"customer.subscription.created": "Suscripción creada", "customer.subscription.updated": "Suscripción actualizada",
		"customer.subscription.deleted": "Suscripción terminada", "customer.subscription.trial_will_end": "La prueba está por terminar",
		"customer.subscription.paused": "Suscripción pausada", "customer.subscription.resumed": "Suscripción reanudada",
		"invoice.created": "Documento creado", "invoice.finalized": "Documento emitido", "invoice.paid": "Documento pagado",
		"invoice.payment_failed": "Pago rechazado", "invoice.voided": "Documento anulado",
		"invoice.marked_uncollectible": "Documento marcado incobrable", "invoice.upcoming": "Próximo cobro",
		"payment_method.attached": "Medio de pago agregado", "payment_method.detached": "Medio de pago quitado",
	},

	SubsTitle: "Suscripciones", AllStatuses: "Todos los estados", Filter: "Filtrar", Customer: "Cliente",
	Renews: "Renueva", CancelAtEnd: "Cancelar al final del período", CancelReason: "Motivo",
	ReasonCustomer: "Lo pidió el cliente", ReasonMerchant: "Decisión del comercio",
	Canceled:    "La suscripción se cancelará al final del período.",
	CancelTitle: "Cancelar al final del período", CancelConfirm: "Confirmar",

	KeysTitle: "Claves de API", KeysIntro: "Las claves secretas dan acceso completo a la API en su modo. Guárdalas en tu servidor, nunca en el navegador.",
	Key: "Clave", Mode: "Modo", LastUsed: "Último uso", Revoked: "Revocada", Never: "Nunca", Revoke: "Revocar",
	CreateKey: "Crear una clave en este modo", KeyCreated: "Clave creada. Cópiala ahora:",
	KeyOnce: "No la volveremos a mostrar.", Active: "Activa", TestMode: "Prueba", LiveMode: "En vivo",
	KeyRevoked: "La clave fue revocada: las solicitudes con ella ya no se aceptan.",

	UsersTitle: "Usuarios", Role: "Rol", Invite: "Invitar", InviteTitle: "Invitar a una persona",
	InviteLink: "Invitación creada. Envía este enlace a la persona invitada:",
	InviteOnce: "El enlace sirve una sola vez y vence en 72 horas. No lo volveremos a mostrar.",
	Pending:    "Invitaciones pendientes", ChangeRole: "Cambiar rol", Remove: "Quitar", You: "(tú)",
	Roles: "Qué puede hacer cada rol", RoleWhat: "Puede", Expires2: "Vence", Removed: "Usuario quitado.",
	RoleChanged: "Rol cambiado.",
	RoleNames: map[billing.Role]string{billing.RoleViewer: "Lectura", billing.RoleSupport: "Soporte",
		billing.RoleAdmin: "Administración", billing.RoleOwner: "Dueño"},
	RoleDescriptions: map[billing.Role]string{
		billing.RoleViewer:  "ver todas las páginas",
		billing.RoleSupport: "lo anterior, y además reembolsar, cancelar, pausar, cambiar de plan, reintentar cobros, anular documentos, crear enlaces al portal y marcar alertas como vistas",
		billing.RoleAdmin:   "lo anterior, y además configurar catálogo, cobranza, pasarelas, webhooks y claves de API",
		billing.RoleOwner:   "lo anterior, y además invitar, cambiar el rol y quitar usuarios",
	},
	AcceptTitle: "Únete a la consola", AcceptIntro: "%s te invitó a su consola de cobros con el rol %s. Elige una contraseña para %s.",
	ChoosePassword: "Nueva contraseña", Accept: "Crear mi cuenta",
	InvitationGone: "Esta invitación ya se usó o venció. Pide una nueva.",
	PasswordRule:   "Al menos 12 caracteres.",
	Errors: map[string]string{
		"email":     "Escribe un correo electrónico válido.",
		"password":  "La contraseña debe tener al menos 12 caracteres.",
		"exists":    "Ya existe un usuario con ese correo.",
		"lastowner": "La cuenta necesita al menos un dueño.",
		"code":      "El código no coincide. Revisa la hora del teléfono e intenta con el siguiente código.",
		"state":     "La suscripción ya no permite esta acción.",
	},
	SecurityTitle: "Seguridad", TOTPOn: "La verificación en dos pasos está activada.",
	TOTPOff: "La verificación en dos pasos está desactivada.", TOTPSetup: "Activar la verificación en dos pasos",
	TOTPSecret: "Clave para tu app de autenticación", TOTPEnable: "Activar", TOTPOff2: "Desactivar",
	Sessions: "Sesiones", SessionsIntro: "Si usaste la consola en un equipo ajeno o perdiste un dispositivo, cierra todas tus sesiones, también esta.",
	SignOutAll: "Cerrar sesión en todos los dispositivos",
	TOTPIntro:  "Agrega esta clave a una app de autenticación (por ejemplo, la de tu teléfono) y escribe el código de 6 dígitos que muestra.",
}

var english = &lang{
	Tag: "en", Other: "es-CL", OtherName: "Español",
	Months:      [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	MonthsShort: [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},

	Console: "Console", Skip: "Skip to content", Menu: "Menu",
	NavOverview: "Overview", NavCustomers: "Customers", NavSubs: "Subscriptions", NavSet: "Settings",
	NavKeys: "API keys", NavUsers: "Users", NavSecurity: "Security",
	NavInvoices: billing.DocumentListName("en").Heading, NavPayments: "Payments", NavCatalog: "Catalog",
	NavWebhooks: "Webhooks", NavEmails: "Emails", NavAlerts: "Alerts",
	moneyLang: englishMoney, configLang: englishConfig, opsLang: englishOps, authLang: englishAuth,
	SignOut: "Sign out", SignedInAs: "Signed in as",
	TestBanner: "Test mode: you are looking at test data.", LiveBanner: "Live mode: real data.",
	ToLive: "View live data", ToTest: "View test data", Language: "Language",

	SignInTitle: "Sign in", Email: "Email", Password: "Password",
	Code: "Verification code", CodeHint: "Only if you turned on two-step verification.", SignIn: "Sign in",
	SignInFailed: "The email, password or code is not right.",
	SignInWait:   "Too many failed tries. Wait %d seconds and try again.",
	SignInLocked: "Too many failed tries: signing in from this connection is locked for %d minutes. If it is you, you can choose a new password.",
	SessionEnded: "Your session has ended. Sign in again.",

	ForbiddenTitle: "Not allowed", ForbiddenBody: "Your role does not allow this. Ask the account's owner to do it or to change your role.",
	CSRFBody:      "The form did not carry a valid signature of your session, so it was not accepted. Go back to the page and try again.",
	NotFoundTitle: "Page not found", NotFoundBody: "We could not find what you are looking for in this mode.",
	ErrorTitle: "Something went wrong", ErrorBody: "We could not complete the operation. Try again in a few minutes.",
	BadForm: "The form sent is not valid.",

	OverviewTitle: "Overview", Currency: "Currency", Show: "Show", MRR: "Monthly recurring revenue (MRR)",
	MRRChart: "MRR at the end of each month, last 12 months",
	MonthCol: "Month", StartCol: "Start", NewCol: "New", ExpansionCol: "Expansion", ContractionCol: "Contraction",
	ChurnCol: "Churn", ReactivationCol: "Reactivation", EndCol: "End",
	Figures: "Key figures", ThisPeriod: "This month", PrevPeriod: "Last month", Change: "Change",
	FigMRR: "MRR", FigSubs: "Active subscriptions", FigCustomers: "Active customers", FigNetRevenue: "Net revenue collected",
	FigPayments: "Payment success", FigLogoChurn: "Customer churn", FigRevenueChurn: "Revenue churn",
	FigARPA: "Average revenue per customer", FigTrialConv: "Trial conversion", FigRecov: "Recovered payments",
	NoValue: "—", PeriodNote: "This month runs from the 1st until now, in the merchant's time zone (%s).",
	LegendMRR: "MRR at the month's end", LegendGain: "Gained: new, expansion and reactivation",
	LegendLoss: "Lost: contraction and churn",

	CustomersTitle: "Customers", Search: "Search", SearchLabel: "Email, name or external id", SearchButton: "Search",
	NoCustomers: "No customers match.", Name: "Name", ExternalID: "External id", Created: "Created",
	Next: "Next", First: "Back to the start",
	CustomerTitle: "Customer", Subscriptions: "Subscriptions", Invoices: "Invoices", Payments: "Payments",
	Methods: "Payment methods", Timeline: "Activity", NoneYet: "None yet.", Status: "Status", Plan: "Plan",
	Period: "Current period", Amount: "Amount", Number: "Number", Date: "Date", Card: "Card", Expires: "Expires",
	Gateway: "Gateway", Event: "Event", CancelsAtEnd: "cancels at the end of the period",
	SubStatus: map[billing.SubscriptionStatus]string{
		billing.SubscriptionActive: "Active", billing.SubscriptionTrialing: "Trialing", billing.SubscriptionPastDue: "Past due",
		billing.SubscriptionCanceled: "Canceled", billing.SubscriptionUnpaid: "Unpaid", billing.SubscriptionPaused: "Paused",
		billing.SubscriptionIncomplete: "Incomplete", billing.SubscriptionIncompleteExpired: "Incomplete, expired",
	},
	InvStatus: map[billing.InvoiceStatus]string{
		billing.InvoiceDraft: "Draft", billing.InvoiceOpen: "Open", billing.InvoicePaid: "Paid",
		billing.InvoiceVoid: "Void", billing.InvoiceUncollectible: "Uncollectible",
	},
	PayStatus: map[billing.PaymentStatus]string{
		billing.PaymentPending: "Pending", billing.PaymentSucceeded: "Succeeded", billing.PaymentFailed: "Failed",
		billing.PaymentUnknown: "Unconfirmed",
	},
	Events: map[string]string{
		"customer.created": "Customer created", "customer.updated": "Customer updated", "customer.deleted": "Customer deleted",
		"customer.subscription.created": "Subscription created", "customer.subscription.updated": "Subscription updated",
		"customer.subscription.deleted": "Subscription ended", "customer.subscription.trial_will_end": "Trial ending soon",
		"customer.subscription.paused": "Subscription paused", "customer.subscription.resumed": "Subscription resumed",
		"invoice.created": "Invoice created", "invoice.finalized": "Invoice finalized", "invoice.paid": "Invoice paid",
		"invoice.payment_failed": "Payment declined", "invoice.voided": "Invoice voided",
		"invoice.marked_uncollectible": "Invoice marked uncollectible", "invoice.upcoming": "Upcoming charge",
		"payment_method.attached": "Payment method added", "payment_method.detached": "Payment method removed",
	},

	SubsTitle: "Subscriptions", AllStatuses: "All statuses", Filter: "Filter", Customer: "Customer",
	Renews: "Renews", CancelAtEnd: "Cancel at period end", CancelReason: "Reason",
	ReasonCustomer: "The customer asked", ReasonMerchant: "The merchant's decision",
	Canceled:    "The subscription will be canceled at the end of its period.",
	CancelTitle: "Cancel at period end", CancelConfirm: "Confirm",

	KeysTitle: "API keys", KeysIntro: "Secret keys give full access to the API in their mode. Keep them on your server, never in a browser.",
	Key: "Key", Mode: "Mode", LastUsed: "Last used", Revoked: "Revoked", Never: "Never", Revoke: "Revoke",
	CreateKey: "Create a key in this mode", KeyCreated: "Key created. Copy it now:",
	KeyOnce: "It will not be shown again.", Active: "Active", TestMode: "Test", LiveMode: "Live",
	KeyRevoked: "The key was revoked: requests with it are no longer accepted.",

	UsersTitle: "Users", Role: "Role", Invite: "Invite", InviteTitle: "Invite someone",
	InviteLink: "Invitation created. Send this link to the person invited:",
	InviteOnce: "The link works once and expires in 72 hours. It will not be shown again.",
	Pending:    "Pending invitations", ChangeRole: "Change role", Remove: "Remove", You: "(you)",
	Roles: "What each role may do", RoleWhat: "May", Expires2: "Expires", Removed: "User removed.",
	RoleChanged: "Role changed.",
	RoleNames: map[billing.Role]string{billing.RoleViewer: "Viewer", billing.RoleSupport: "Support",
		billing.RoleAdmin: "Admin", billing.RoleOwner: "Owner"},
	RoleDescriptions: map[billing.Role]string{
		billing.RoleViewer:  "see every page",
		billing.RoleSupport: "all of the above, and refund, cancel, pause, change plans, retry payments, void documents, make portal links and acknowledge alerts",
		billing.RoleAdmin:   "all of the above, and configure the catalog, dunning, gateways, webhooks and API keys",
		billing.RoleOwner:   "all of the above, and invite, change the role of and remove users",
	},
	AcceptTitle: "Join the console", AcceptIntro: "%s invited you to its billing console as %s. Choose a password for %s.",
	ChoosePassword: "New password", Accept: "Create my account",
	InvitationGone: "This invitation was already used or has expired. Ask for a new one.",
	PasswordRule:   "At least 12 characters.",
	Errors: map[string]string{
		"email":     "Enter a valid email address.",
		"password":  "The password must have at least 12 characters.",
		"exists":    "A user with this email already exists.",
		"lastowner": "The account needs at least one owner.",
		"code":      "The code does not match. Check your phone's time and try the next code.",
		"state":     "The subscription no longer allows this.",
	},
	SecurityTitle: "Security", TOTPOn: "Two-step verification is on.",
	TOTPOff: "Two-step verification is off.", TOTPSetup: "Turn on two-step verification",
	TOTPSecret: "Key for your authenticator app", TOTPEnable: "Turn on", TOTPOff2: "Turn off",
	Sessions: "Sessions", SessionsIntro: "If you used the console on someone else's computer or lost a device, end all your sessions, this one included.",
	SignOutAll: "Sign out on every device",
	TOTPIntro:  "Add this key to an authenticator app (such as the one on your phone) and type the 6-digit code it shows.",
}

// langFor returns the language of a locale tag: English for en…, Spanish
// otherwise.
func langFor(locale string) *lang {
	if billing.LocaleLanguage(locale) == "en" {
		return english
	}
	return spanish
}

// requestLang is the language of a page seen before signing in: ?lang=, or
// the browser's first choice between Spanish and English, or Spanish.
func requestLang(r *http.Request) *lang {
	if v := r.URL.Query().Get("lang"); v != "" {
		return langFor(v)
	}
	for _, part := range splitAccept(r.Header.Get("Accept-Language")) {
		switch billing.LocaleLanguage(part) {
		case "en":
			return english
		case "es":
			return spanish
		}
	}
	return spanish
}

// splitAccept returns an Accept-Language header's tags in order, without
// their weights (browsers list them by preference).
func splitAccept(h string) []string {
	var out []string
	for part := range strings.SplitSeq(h, ",") {
		tag, _, _ := strings.Cut(part, ";")
		out = append(out, strings.TrimSpace(tag))
	}
	return out
}
