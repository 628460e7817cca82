// Package wiring is the part of the composition root that cmd/cuota and the
// tests that assemble cuota share: which areas of an *app.App each
// transport is handed. Each transport declares the small interfaces it
// calls (its UseCases); the areas of app.App implement them.
package wiring

import (
	"github.com/cuota/cuota/internal/app"
	"github.com/cuota/cuota/internal/console"
	"github.com/cuota/cuota/internal/httpapi"
	"github.com/cuota/cuota/internal/jobs"
	"github.com/cuota/cuota/internal/web"
)

// API returns the areas the REST API calls.
func API(a *app.App) httpapi.UseCases {
	return httpapi.UseCases{Alerts: a.Alerts, Analytics: a.Analytics, Exports: a.Exports, Catalog: a.Catalog, Checkout: a.Checkout, Collection: a.Collection, Customers: a.Customers,
		Invoicing: a.Invoicing, Merchants: a.Merchants, Notifications: a.Notifications, Portal: a.Portal,
		Renewals: a.Renewals, Subscriptions: a.Subscriptions, UFRates: a.Invoicing}
}

// Pages returns the areas the hosted pages call.
func Pages(a *app.App) web.UseCases {
	return web.UseCases{Checkout: a.Checkout, Customers: a.Customers, Merchants: a.Merchants, PayPages: a.PayPages, Portal: a.Portal}
}

// Workers returns the areas the background jobs call.
func Workers(a *app.App) jobs.UseCases {
	return jobs.UseCases{Alerts: a.Alerts, Analytics: a.Analytics, Collection: a.Collection, Invoicing: a.Invoicing, Merchants: a.Merchants, Notifications: a.Notifications,
		PayPages: a.PayPages, Renewals: a.Renewals}
}

// Console returns the areas the merchant's console calls.
func Console(a *app.App) console.UseCases {
	return console.UseCases{Alerts: a.Alerts, Analytics: a.Analytics, Exports: a.Exports, Portal: a.Portal, Catalog: a.Catalog, Collection: a.Collection, Customers: a.Customers,
		Invoicing: a.Invoicing, Merchants: a.Merchants, Notifications: a.Notifications, Subscriptions: a.Subscriptions,
		Users: a.Users}
}
