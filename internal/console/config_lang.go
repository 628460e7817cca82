package console

import (
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// configLang holds this area's strings in one language. They sit under
// one field, Cfg (templates say .L.Cfg.Save), so that the names of the
// areas' strings, embedded side by side in lang, never collide.
type configLang struct {
	Cfg *configStrings
}

var (
	spanishConfig = configLang{Cfg: &spanishCfg}
	englishConfig = configLang{Cfg: &englishCfg}
)

// configStrings are the words of the catalog, webhooks, emails and the
// merchant's settings.
type configStrings struct {
	NavProducts, NavCoupons, NavProfile, NavDunning, NavGateways string

	Save, Saved, Edit, Description, Archive, Restore, Archived, Restored, ArchivedState string
	Activate, Deactivate, Inactive, Enabled, Updated, Template, To, Message, When       string

	CatalogTitle, NoProducts, NewProduct, CreateProduct, ProductCreated, EditProduct   string
	ArchiveProduct, RestoreProduct, Prices, NoPrices, PriceRule, NewPrice, CreatePrice string
	PriceCreated, AmountHint, PriceType, Recurring, OneTime, Interval, IntervalCount   string
	TrialDays, Nickname, LookupKey, EveryOne, EveryMany, BadAmount, BadCurrency        string
	IntervalOne, IntervalMany                                                          map[string]string

	CouponsTitle, NoCoupons, NewCoupon, CreateCoupon, CouponCreated, Rename, Redeemed string
	RedeemBy, DiscountKind, KindPercent, KindAmount, DiscountValue, CurrencyIfAmount  string
	Duration, DurOnce, DurRepeating, DurForever, DurMonths, Months2, MaxRedemptions   string
	PromoCodes, NoCodes, NewCode, CreateCode, CodeCreated, CodeOff, CodeOn, Coupon    string
	CodeLabel, CodeHint2, UntilDate                                                   string

	WebhooksTitle, WebhooksIntro, NoEndpoints, NewEndpoint, EndpointURL, URLHint     string
	EventsToSend, AllEventsLabel, SomeEvents, CreateEndpoint, EndpointCreated        string
	EndpointTitle, DisabledFailing, DisabledByYou, LastDelivery, RecentFailures      string
	SecretShown, RotateSecret, RotateNote, SecretRotated, EnableEndpoint, EndpointOn string
	DisableEndpoint, EndpointOff, Deliveries, NoDeliveries, NextAttempt, Answer      string
	ErrorCol, Manual, NoAttempts, Redeliver, Redelivered                             string
	DeliveryStatus, ErrorKinds                                                       map[string]string
	// MoreEvents name the event types the console's shared list (lang's
	// Events) does not.
	MoreEvents map[string]string

	EmailsTitle, EmailTitle, AllTemplates, NoEmails, Tries, SentAt, NoBody, OpenHTML string
	HTMLNote, NoHTMLBody                                                             string
	Templates, EmailStatus                                                           map[string]string

	ProfileTitle, ProfileIntro, TradeName, LegalName, RUT, Activity, AddrLine1, AddrLine2 string
	District, City, Region, Country, SupportEmail, SupportPhone, AlertEmail               string
	AlertEmailHint, Locale, TimeZone, TimeZoneHint                                        string
	LocaleNames                                                                           map[string]string

	DunningTitle, DunningIntro, RetryKind, KindSchedule, KindExponential, Schedule string
	ScheduleHint, Base, Factor, Cap, MaxAttempts, MaxAttemptsHint, FinalAction     string
	FinalActions                                                                   map[string]string

	GatewaysTitle, GatewaysLive, GatewaysTest, APIKeyLabel, SecretLabel, WebhookSecretLabel string
	Stored, Environment, AtRest, Sealed, NotSealed, NotConfigured, ReplaceCredentials       string
	EnterCredentials, SaveCredentials, RemoveGateway, GatewaySaved, GatewayDeleted, SimNote string
	Environments                                                                            map[string]string

	TaxDocsTitle, TaxDocsIntro, DTEOn, DTEOff, Provider, ActivityCode, DTEIssue, KeepKey, DTENeeds, NavTaxDocs, ProviderKey string

	// Fields name the API's parameters in a form's words, for errors.
	Fields map[string]string
	// Codes are the API's error codes as the forms say them; %s is the
	// field's name.
	Codes map[string]string
}

func init() {
	funcs["discount"] = discount
	funcs["couponduration"] = couponDuration
	funcs["delivst"] = func(l *lang, s string) string { return orRaw(l.Cfg.DeliveryStatus[s], s) }
	funcs["emailst"] = func(l *lang, s string) string { return orRaw(l.Cfg.EmailStatus[s], s) }
	funcs["tmplname"] = func(l *lang, s string) string { return orRaw(l.Cfg.Templates[s], s) }
	funcs["errkind"] = func(l *lang, s string) string {
		if m, ok := l.Cfg.ErrorKinds[s]; ok {
			return m
		}
		return l.Cfg.ErrorKinds["other"]
	}
	funcs["eventname"] = eventName
	// untilday is the last day an instant-limited thing may be used: an
	// end at midnight belongs to the day before (lastDay writes those).
	funcs["untilday"] = func(l *lang, loc *time.Location, t time.Time) string { return fmtDate(l, loc, t.Add(-time.Nanosecond)) }
}

// configMessage is a use case's refusal as this area's forms say it: the
// API's error code, naming the field in the form's words.
func configMessage(l *lang, err error) string {
	e := billing.AsError(err)
	if e == nil {
		return l.ErrorBody
	}
	param := e.Param
	if i := strings.IndexByte(param, '['); i >= 0 {
		param = param[:i] // enabled_events[2], features[x]
	}
	field, ok := l.Cfg.Fields[param]
	if !ok {
		field = l.Cfg.Fields[""]
	}
	if m, ok := l.Cfg.Codes[e.Code+":"+param]; ok {
		return m
	}
	if m, ok := l.Cfg.Codes[e.Code]; ok {
		return strings.ReplaceAll(m, "%s", field)
	}
	if e.Kind == billing.KindInvalid {
		return strings.ReplaceAll(l.Cfg.Codes[billing.CodeParameterInvalid], "%s", field)
	}
	return userMessage(l, err)
}

// eventName is an event type as people read it in l; a type the console
// has no words for shows as it is.
func eventName(l *lang, t string) string {
	if s, ok := l.Events[t]; ok {
		return s
	}
	return orRaw(l.Cfg.MoreEvents[t], t)
}
