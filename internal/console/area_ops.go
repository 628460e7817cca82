package console

import (
	"net/http"

	"github.com/cuota/cuota/internal/billing"
)

// The console's subscription actions, customers' details, alerts and exports: its templates, strings and routes.

// opsPages are this area's templates (templates/<name>.html).
var opsPages = []string{"subscription", "alerts"}

// opsLang holds this area's strings in one language.
type opsLang struct {
	// The alert banner and the alerts page.
	AlertKinds                                      map[billing.AlertKind]string
	AlertSeverity                                   map[billing.AlertSeverity]string
	AlertStatus                                     map[billing.AlertStatus]string
	AlertSee, AlertMore, AlertsTitle, AlertsIntro   string
	AlertAllStatuses, AlertObject, AlertFirstSeen   string
	AlertLastSeen, AlertCount, AlertAck, AlertAcked string
	AlertGoneResolved, AlertNone, AlertResolvedAt   string
	AlertPayment, AlertRefund, AlertEndpoint        string
	AlertGateway, AlertAccount, AlertObjectGone     string
	AlertUFDay                                      string // the day whose UF value is missing: "Valor de la UF del %s"

	// A subscription's page and its actions.
	SubTitle, SubCustomer, SubAmount, SubNextRenewal            string
	SubNoRenewal, SubScheduled, SubScheduledAt, SubDunning      string
	SubNothingOwed, SubAttempts, SubNextAttempt, SubLastPayment string
	SubNoNextAttempt, SubRetry, SubActions, SubCancel, SubWhen  string
	SubWhenEnd, SubWhenNow, SubPause, SubResume                 string
	SubChoosePlan, SubPreview, SubPreviewTitle, SubConfirm      string
	SubDueNow, SubEffective, SubUpgrade, SubDowngrade, SubLine  string
	SubFeatures, SubNoLines, SubPortal, SubPortalMade           string
	SubPortalOnce, SubOpen, SubTrialEnds, SubCanceledOn         string
	SubReactivate                                               string
	SubDone                                                     map[string]string

	// The lists' CSV buttons and the filters.
	ExportCSV, PlanFilter, AllPlans string

	// A customer's entitlements and audit entries.
	Entitlements, Feature, Value                               string
	AuditActions                                               map[string]string
	ActorSystem, ActorAPI, ActorUser, ActorGateway, AuditIntro string
	// ClockTime marks an event's time on a test clock's customer;
	// ClockNote says why its activity is in the order things happened.
	ClockTime, ClockNote string
}

// ops holds this area's pages and actions, so that they do not crowd the
// handler's own methods.
type ops struct{ *handler }

// opsRoutes registers this area's pages and actions.
func (h *handler) opsRoutes(mux *http.ServeMux) {
	o := ops{h}
	mux.HandleFunc("GET /console/subscriptions/{id}", h.page(o.subscription))
	mux.HandleFunc("POST /console/subscriptions/{id}/pause", h.action(billing.PermPause, o.pauseSubscription))
	mux.HandleFunc("POST /console/subscriptions/{id}/resume", h.action(billing.PermPause, o.resumeSubscription))
	// Changing the plan manages the subscription like cancelling it does:
	// the same permission (support and above).
	mux.HandleFunc("POST /console/subscriptions/{id}/reactivate", h.action(billing.PermCancel, o.reactivateSubscription))
	mux.HandleFunc("POST /console/subscriptions/{id}/change", h.action(billing.PermCancel, o.changeSubscription))
	mux.HandleFunc("POST /console/subscriptions/{id}/retry", h.action(billing.PermRetryPayment, o.retryPayment))
	mux.HandleFunc("POST /console/subscriptions/{id}/portal", h.action(billing.PermPortalLink, o.portalLink))
	mux.HandleFunc("GET /console/alerts", h.page(o.alerts))
	mux.HandleFunc("POST /console/alerts/{id}/acknowledge", h.action(billing.PermAlerts, o.acknowledgeAlert))
	mux.HandleFunc("GET /console/exports/{name}", h.page(o.exportCSV))
}
