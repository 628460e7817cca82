package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// dispatchBatch is how many events one dispatch transaction handles.
const dispatchBatch = 200

// DispatchNotifications is the outbox dispatcher: for every scope it reads
// the events written since its cursor and, in one transaction per batch,
// creates one delivery (with its job) per enabled webhook endpoint that
// subscribes to the event and was created before it, creates the emails the
// event calls for (with their jobs), and moves the cursor. It returns how
// many events it read. A scope that fails is logged and left for the next
// run; the others go on.
func (a *Notifications) DispatchNotifications(ctx context.Context) (int, error) {
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	merchants, err := a.merchants.ListMerchants(ctx)
	if err != nil {
		return 0, fmt.Errorf("dispatch notifications: %w", err)
	}
	total := 0
	var errs []error
	for _, m := range merchants {
		for _, mode := range []billing.Mode{billing.ModeTest, billing.ModeLive} {
			s := billing.Scope{MerchantID: m.ID, Mode: mode}
			n, err := a.dispatchScope(ctx, s)
			total += n
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				return total, err
			}
			a.logger.ErrorContext(ctx, "dispatching notifications failed; will retry", "merchant", s.MerchantID, "mode", s.Mode, "error", err)
			errs = append(errs, fmt.Errorf("dispatch %s/%s: %w", s.MerchantID, s.Mode, err))
		}
	}
	return total, errors.Join(errs...)
}

// dispatchScope dispatches a scope's new events, a batch per transaction.
// A read-only look comes first, so that a scope without new events costs
// no write (most scopes, most of the time).
func (a *Notifications) dispatchScope(ctx context.Context, s billing.Scope) (int, error) {
	idle, err := read(ctx, a.core, func(tx billing.Tx) (bool, error) {
		pos, err := tx.Notify.GetNotifyCursor(ctx, s)
		if err != nil {
			return false, fmt.Errorf("read notify cursor: %w", err)
		}
		events, _, err := tx.Notify.EventsAfter(ctx, s, pos, 1)
		if err != nil {
			return false, fmt.Errorf("read events: %w", err)
		}
		return len(events) == 0, nil
	})
	if err != nil || idle {
		return 0, err
	}
	total := 0
	for {
		n := 0
		err := a.store.InTx(ctx, func(tx billing.Tx) error {
			n = 0
			pos, err := tx.Notify.LockNotifyCursor(ctx, s, a.Now())
			if err != nil {
				return fmt.Errorf("lock notify cursor: %w", err)
			}
			events, next, err := tx.Notify.EventsAfter(ctx, s, pos, dispatchBatch)
			if err != nil {
				return fmt.Errorf("read events: %w", err)
			}
			if len(events) == 0 {
				return nil
			}
			n = len(events)
			m, err := tx.Merchants.GetMerchant(ctx, s.MerchantID)
			if err != nil {
				return fmt.Errorf("read merchant: %w", err)
			}
			endpoints, _, err := tx.Notify.ListWebhookEndpoints(ctx, s, billing.Page{})
			if err != nil {
				return fmt.Errorf("read webhook endpoints: %w", err)
			}
			for _, ev := range events {
				if err := a.dispatchEvent(ctx, tx, m, endpoints, ev); err != nil {
					return fmt.Errorf("dispatch event %s: %w", ev.ID, err)
				}
			}
			return tx.Notify.SetNotifyCursor(ctx, s, next, a.Now())
		})
		total += n
		if err != nil || n < dispatchBatch {
			return total, err
		}
	}
}

// dispatchEvent creates the deliveries and emails of one event, each with
// its job, in the dispatcher's transaction.
func (a *Notifications) dispatchEvent(ctx context.Context, tx billing.Tx, m billing.Merchant, endpoints []billing.WebhookEndpoint, ev billing.Event) error {
	now, wall := a.Now(), wallNow()
	for _, ep := range endpoints {
		if ep.Disabled || !ep.Receives(ev.Type) || !billing.CreatedAfter(ev.ID, ep.ID) {
			continue
		}
		d := billing.WebhookDelivery{ID: billing.NewID(billing.PrefixWebhookDelivery, now), Scope: ev.Scope, EndpointID: ep.ID,
			EventID: ev.ID, EventType: ev.Type, Status: billing.DeliveryPending, NextAttemptAt: &wall, Created: now, Updated: now}
		inserted, err := tx.Notify.InsertWebhookDelivery(ctx, d)
		if err != nil {
			return fmt.Errorf("create delivery to %s: %w", ep.ID, err)
		}
		if !inserted {
			continue
		}
		if err := tx.Jobs.Enqueue(ctx, DeliverWebhookArgs{MerchantID: ev.Scope.MerchantID, Mode: ev.Scope.Mode, DeliveryID: d.ID}); err != nil {
			return fmt.Errorf("enqueue delivery %s: %w", d.ID, err)
		}
	}
	emails, err := a.emailsFor(ctx, tx, m, ev)
	if err != nil {
		return err
	}
	for _, e := range emails {
		if err := a.queueEmail(ctx, tx, e); err != nil {
			return err
		}
	}
	return a.taxDocumentFor(ctx, tx, ev)
}

// taxDocumentFor starts the emission of an invoice's tax document
// (queueTaxDocument), from the invoice as stored, on invoice.paid (every
// path that pays an invoice writes it, and the dispatcher reads each event
// once) or, for send_invoice invoices, invoice.finalized; that of a credit
// note's nota de crédito (queueCreditNoteDocument) on credit_note.created;
// and the nota de crédito that voids the document of a voided invoice
// (queueVoidDocument) on invoice.voided.
func (a *Notifications) taxDocumentFor(ctx context.Context, tx billing.Tx, ev billing.Event) error {
	if ev.Type == EventCreditNoteCreated {
		note, err := tx.Credits.GetCreditNote(ctx, ev.Scope, ev.ObjectID)
		if errors.Is(err, billing.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read credit note %s: %w", ev.ObjectID, err)
		}
		return a.queueCreditNoteDocument(ctx, tx, note)
	}
	var at billing.DTEMoment
	switch ev.Type {
	case EventInvoicePaid:
		at = billing.DTEAtPaid
	case EventInvoiceFinalized:
		at = billing.DTEAtFinalized
	case EventInvoiceVoided:
	default:
		return nil
	}
	inv, err := tx.Invoices.GetInvoice(ctx, ev.Scope, ev.ObjectID)
	if errors.Is(err, billing.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read invoice %s: %w", ev.ObjectID, err)
	}
	if ev.Type == EventInvoiceVoided {
		return a.queueVoidDocument(ctx, tx, inv)
	}
	return a.queueTaxDocument(ctx, tx, inv, at)
}

// wallNow is the real time, for what happens on the network (delivery
// attempts, their schedule, an endpoint's run of failures): receivers check
// webhook timestamps against their own clocks, so test clocks never apply.
func wallNow() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
