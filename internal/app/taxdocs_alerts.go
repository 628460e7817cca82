package app

import (
	"context"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// stepCall is what one step of an emission did with the provider, for
// its alerts (billing.TaxDocumentAlerts).
type stepCall struct {
	called   bool // the provider was called
	answered bool // and it answered, whatever it said
	stuck    bool // the answer was lost past the lookup window
}

// taxDocumentAlerts carries out billing.TaxDocumentAlerts for an
// emission's step, in the step's transaction: a rejected or stuck
// document raises an alert on its invoice, a provider silent for long
// raises one on the provider, and what the step showed cleared is
// resolved.
func (a *core) taxDocumentAlerts(ctx context.Context, tx billing.Tx, d billing.TaxDocument, inv billing.Invoice, call stepCall, now time.Time) error {
	raise, clear := billing.TaxDocumentAlerts(billing.TaxDocumentFacts{Doc: d, InvoiceNumber: inv.Number,
		Called: call.called, Answered: call.answered, Stuck: call.stuck}, now)
	for _, c := range raise {
		if _, err := a.raiseAlert(ctx, tx, d.Scope, c); err != nil {
			return err
		}
	}
	for _, c := range clear {
		if err := a.resolveAlert(ctx, tx, d.Scope, c.Kind, c.ObjectType, c.ObjectID); err != nil {
			return err
		}
	}
	return nil
}
