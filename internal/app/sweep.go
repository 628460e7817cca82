package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// chargeConcurrency is how many gateway calls a sweep makes at once.
const chargeConcurrency = 8

// SweepLanes is how many sweeps a process runs at once: while one lane
// waits on the gateway or its own transaction, the other uses the
// database. A lane's claim lasts until it is done with the subscription
// (see sweepLease), so lanes never take the same subscription.
const SweepLanes = 2

// sweepLease bounds a sweep lane's claim on a subscription. The lane
// renews its claims every sweepLease/3 while it works (a heartbeat) and
// releases them when done; the lease only frees the subscriptions of a
// sweeper that died, which are renewed by the next sweep after at most
// this long.
const sweepLease = time.Minute

// SweepAll runs lanes concurrent sweep loops of chunk subscriptions each,
// until there is nothing due or the deadline passes, and returns how many
// subscriptions they took. A failing lane stops the others at their next
// chunk.
func (a *Renewals) SweepAll(ctx context.Context, chunk, lanes int, deadline time.Time) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var total int
	var first error
	var wg sync.WaitGroup
	for range max(lanes, 1) {
		wg.Go(func() {
			for ctx.Err() == nil && time.Now().Before(deadline) {
				n, err := a.Sweep(ctx, chunk)
				mu.Lock()
				total += n
				if err != nil && first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
				if err != nil || n < chunk {
					return
				}
			}
		})
	}
	wg.Wait()
	return total, first
}

// renewal is one subscription renewed by the batched pipeline.
type renewal struct {
	before billing.Subscription // as claimed
	sub    billing.Subscription // after the renewal (its stored version)
	inv    billing.Invoice
	pay    *billing.Payment
	pm     billing.PaymentMethod
	m      billing.Merchant
	at     time.Time // the period boundary the renewal happened at
	res    billing.ChargeResult
	err    error
	// The encodings of sub and pay as written, from their events: the
	// settlement's audit entries start from them.
	subJSON, payJSON json.RawMessage
}

// Sweep runs the real-time work due now for up to limit subscriptions on no
// test clock, and returns how many it took. Plain renewals (an active
// subscription whose period ended, nothing else due) go through the batched
// pipeline of docs/architecture.md ("Scale"): one transaction claims them (a
// claim that lasts until this sweep is done with them, so concurrent sweepers
// take different ones, even while this one calls the gateway or retries a
// technically failed payment) and writes their invoices, payments, periods,
// events and audit entries with batched statements; the gateway is called
// outside any transaction; one more transaction settles the successes.
// Everything else (trial ends, retries, cancellations, declines, unknown
// outcomes) takes the one-at-a-time path, which holds every rule; the batch
// path only repeats its bookkeeping for the common case.
func (a *Renewals) Sweep(ctx context.Context, limit int) (int, error) {
	now := a.Now()
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	token := rand.Text()
	stop := a.holdClaims(ctx, token)
	defer func() {
		stop()
		a.releaseClaims(ctx, token)
	}()
	var plans []*renewal
	var slow []billing.Subscription
	claimed := 0
	claim := billing.ClaimChange{Token: token, Until: now.Add(sweepLease)}
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		plans, slow = nil, nil
		// Locked, not claimed yet: each subscription is claimed by the
		// write that renews it, or below if it takes the slow path.
		subs, err := tx.Batch.LockDueSubscriptions(ctx, "", now, limit)
		if err != nil {
			return fmt.Errorf("lock due subscriptions: %w", err)
		}
		claimed = len(subs)
		if len(subs) == 0 {
			return nil
		}
		plans, slow, err = a.planRenewals(ctx, tx, subs, now)
		if err != nil {
			return err
		}
		ids := make([]string, len(slow))
		for i, sub := range slow {
			ids[i] = sub.ID
		}
		if err := tx.Batch.ClaimSubscriptions(ctx, ids, claim.Token, claim.Until); err != nil {
			return fmt.Errorf("claim subscriptions: %w", err)
		}
		return a.writeRenewals(ctx, tx, plans, claim)
	})
	if err != nil {
		if ctx.Err() != nil {
			return 0, err
		}
		// The batch could not be written (nothing was): renew the same
		// subscriptions one at a time, where every rule and conflict is
		// handled per subscription.
		a.logger.WarnContext(ctx, "batched renewal failed; renewing one at a time", "error", err)
		return a.sweepOneByOne(ctx, now, limit, token)
	}
	a.chargeRenewals(ctx, plans)
	settleSlow, err := a.settleRenewals(ctx, plans, token)
	if err != nil {
		return 0, err
	}
	// One subscription's failure must not hold up the others: it is logged
	// and stays due, so the next sweep tries it again.
	for _, r := range settleSlow {
		if err := a.collection.settlePayment(ctx, r.sub.Scope, r.pay.ID, r.res, r.err); err != nil {
			if ctx.Err() != nil {
				return 0, err
			}
			a.logger.ErrorContext(ctx, "settle payment failed; it will be reconciled", "payment", r.pay.ID, "error", err)
		}
	}
	for _, sub := range slow {
		if err := a.stepSubscription(ctx, sub.Scope, sub.ID, now); err != nil {
			if ctx.Err() != nil {
				return 0, err
			}
			a.logger.ErrorContext(ctx, "renewal failed; it stays due", "subscription", sub.ID, "error", err)
		}
	}
	return claimed, nil
}

// planRenewals sorts claimed subscriptions into plain renewals, planned
// here in memory, and the rest.
func (a *Renewals) planRenewals(ctx context.Context, tx billing.Tx, subs []billing.Subscription, now time.Time) ([]*renewal, []billing.Subscription, error) {
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = sub.ID
	}
	open, err := tx.Batch.SubscriptionsWithOpenInvoices(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("find open invoices: %w", err)
	}
	merchants := map[string]billing.Merchant{}
	locations := map[string]*time.Location{} // by merchant: loading a zone reads its file
	coupons := map[string]*billing.Coupon{}
	// Payment methods in one query per scope, not one per subscription.
	pmIDs := map[billing.Scope][]string{}
	for _, sub := range subs {
		if sub.PaymentMethodID != "" {
			pmIDs[sub.Scope] = append(pmIDs[sub.Scope], sub.PaymentMethodID)
		}
	}
	// Tax-exempt customers in one query, not one read per renewal.
	cusIDs := make([]string, len(subs))
	for i, sub := range subs {
		cusIDs[i] = sub.CustomerID
	}
	exempt, err := tx.Batch.TaxExemptCustomers(ctx, cusIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("read tax exempt customers: %w", err)
	}
	pms := map[string]billing.PaymentMethod{}
	for s, ids := range pmIDs {
		got, err := tx.Batch.GetPaymentMethods(ctx, s, ids)
		if err != nil {
			return nil, nil, fmt.Errorf("read payment methods: %w", err)
		}
		for id, pm := range got {
			pms[id] = pm
		}
	}
	balances, err := a.customerBalances(ctx, tx, subs)
	if err != nil {
		return nil, nil, err
	}
	var plans []*renewal
	var slow []billing.Subscription
	for _, sub := range subs {
		plain := sub.Status == billing.SubscriptionActive && !open[sub.ID] && !sub.CancelAtPeriodEnd &&
			sub.NextActionAt != nil && sub.NextActionAt.Equal(sub.CurrentPeriodEnd) && sub.PaymentMethodID != "" &&
			sub.MaxCycles == 0 && sub.EndDate == nil && // ends are decided on the full path
			!hasUFItems(sub.Items) // a UF value may have to be fetched, or waited for
		if !plain {
			slow = append(slow, sub)
			continue
		}
		m, ok := merchants[sub.Scope.MerchantID]
		if !ok {
			if m, err = tx.Merchants.GetMerchant(ctx, sub.Scope.MerchantID); err != nil {
				return nil, nil, fmt.Errorf("read merchant: %w", err)
			}
			merchants[m.ID] = m
			locations[m.ID] = merchantLocation(m)
		}
		coupon, ok := coupons[sub.Scope.MerchantID+"/"+string(sub.Scope.Mode)+"/"+sub.CouponID+"/"+sub.PromotionCodeID]
		if !ok {
			if coupon, err = a.invoicing.subscriptionCoupon(ctx, tx, &sub); err != nil {
				return nil, nil, err
			}
			coupons[sub.Scope.MerchantID+"/"+string(sub.Scope.Mode)+"/"+sub.CouponID+"/"+sub.PromotionCodeID] = coupon
		}
		pm, ok := pms[sub.PaymentMethodID]
		if !ok {
			return nil, nil, fmt.Errorf("read payment method %s: %w", sub.PaymentMethodID, billing.ErrNotFound)
		}
		r := &renewal{before: sub, sub: sub, m: m, pm: pm, at: sub.CurrentPeriodEnd}
		if err := r.sub.Renew(locations[m.ID]); err != nil {
			// A period the calendar cannot hold (after 9999): the
			// one-at-a-time path reports it for this subscription alone.
			slow = append(slow, sub)
			continue
		}
		if r.inv, err = a.invoicing.draftPeriodInvoice(m, &r.sub, billing.ReasonSubscriptionCycle, r.at); err != nil {
			return nil, nil, err
		}
		if _, err := a.invoicing.priceInvoice(m, &r.sub, coupon, exempt[sub.CustomerID], &r.inv, billing.CustomerBalance{}); err != nil {
			return nil, nil, err
		}
		if balances[sub.CustomerID].Balance != 0 || r.inv.Total < 0 {
			// The balance moves: the one-at-a-time path records it.
			slow = append(slow, sub)
			continue
		}
		plans = append(plans, r)
	}
	return plans, slow, nil
}

// customerBalances reads the balances of subs' customers, one query per
// scope: a renewal whose customer has one takes the one-at-a-time path.
func (a *Renewals) customerBalances(ctx context.Context, tx billing.Tx, subs []billing.Subscription) (map[string]billing.CustomerBalance, error) {
	ids := map[billing.Scope][]string{}
	for _, sub := range subs {
		ids[sub.Scope] = append(ids[sub.Scope], sub.CustomerID)
	}
	out := map[string]billing.CustomerBalance{}
	for s, l := range ids {
		got, err := tx.Credits.CustomerBalances(ctx, s, l)
		if err != nil {
			return nil, fmt.Errorf("read customer balances: %w", err)
		}
		for id, b := range got {
			out[id] = b
		}
	}
	return out, nil
}

// writeRenewals finalizes and writes the planned renewals, with their
// payments, events and audit entries, in two batches; the subscriptions
// are claimed as claim says in the same write. Invoice numbers are
// reserved last, between the two: the counter row of a merchant and mode
// stays locked until the transaction commits and another lane's renewals
// of the same merchant wait for it, so it is held only for the rows that
// carry a number (the invoices, their payments, the events that show the
// number) and the commit.
func (a *Renewals) writeRenewals(ctx context.Context, tx billing.Tx, plans []*renewal, claim billing.ClaimChange) error {
	if len(plans) == 0 {
		return nil
	}
	// Gapless numbers: each scope reserves as many as it finalizes here.
	byScope := map[billing.Scope][]*renewal{}
	var scopes []billing.Scope
	for _, r := range plans {
		if _, ok := byScope[r.sub.Scope]; !ok {
			scopes = append(scopes, r.sub.Scope)
		}
		byScope[r.sub.Scope] = append(byScope[r.sub.Scope], r)
	}
	// numbered is an event whose invoice snapshot shows the invoice's
	// number: its id is taken in order with the others, its snapshot
	// made once the number is known.
	type numbered struct {
		r       *renewal
		id, typ string
		inv     billing.Invoice // as the event shows it, but for the number
	}
	var early, late billing.WriteBatch
	var pending []numbered
	var subs []billing.Subscription
	var changes []change
	for _, s := range scopes {
		for _, r := range byScope[s] {
			created, err := a.newEvent(s, EventInvoiceCreated, "invoice", r.inv.ID, r.inv, r.at)
			if err != nil {
				return err
			}
			early.Events = append(early.Events, created)
			if err := finalizeInvoice(r.m, &r.inv, 0, r.at); err != nil { // numbered below
				return err
			}
			pending = append(pending, numbered{r: r, id: billing.NewID(billing.PrefixEvent, a.Now()), typ: EventInvoiceFinalized, inv: r.inv})
			if r.inv.Status == billing.InvoicePaid {
				pending = append(pending, numbered{r: r, id: billing.NewID(billing.PrefixEvent, a.Now()), typ: EventInvoicePaid, inv: r.inv})
			} else {
				p := a.invoicing.newPayment(&r.inv, r.pm, r.at, a.invoicing.processingTime(&r.sub, r.at))
				r.pay = &p
				late.Payments = append(late.Payments, p) // after its invoice
				ev, err := a.newEvent(s, EventPaymentCreated, "payment", p.ID, p, r.at)
				if err != nil {
					return err
				}
				early.Events = append(early.Events, ev)
				r.payJSON = ev.Data
			}
			var open []billing.Invoice
			if r.inv.Status == billing.InvoiceOpen {
				open = []billing.Invoice{r.inv}
			}
			r.sub.NextActionAt = nextAction(r.sub, open)
			r.sub.Updated = a.Now()
			subs = append(subs, r.sub)
			r.sub.Version++
			ev, err := a.newChangeEvent(s, EventSubscriptionUpdated, "subscription", r.sub.ID, r.before, r.sub, r.at)
			if err != nil {
				return err
			}
			early.Events = append(early.Events, ev)
			r.subJSON = ev.Data
			changes = append(changes, change{merchantID: s.MerchantID, mode: s.Mode, action: "subscription.update",
				objectType: "subscription", objectID: r.sub.ID, before: ev.Previous, after: ev.Data})
		}
	}
	audit, err := a.auditEntries(ctx, changes)
	if err != nil {
		return err
	}
	early.Audit = audit
	// The rows are locked by this transaction since they were read: none
	// can be stale.
	if stale, err := tx.Batch.UpdateSubscriptions(ctx, subs, claim); err != nil {
		return fmt.Errorf("write renewed subscriptions: %w", err)
	} else if len(stale) > 0 {
		return fmt.Errorf("write renewed subscriptions %v: %w", stale, billing.ErrVersionConflict)
	}
	if err := tx.Batch.WriteBatch(ctx, early); err != nil {
		return fmt.Errorf("write renewals: %w", err)
	}
	for _, s := range scopes {
		rs := byScope[s]
		last, err := tx.Batch.ReserveInvoiceNumbers(ctx, s, int64(len(rs)))
		if err != nil {
			return fmt.Errorf("reserve invoice numbers: %w", err)
		}
		for i, r := range rs {
			r.inv.Number = invoiceNumber(r.m, last-int64(len(rs))+int64(i)+1)
			late.Invoices = append(late.Invoices, r.inv)
		}
	}
	for _, n := range pending {
		n.inv.Number = n.r.inv.Number
		ev, err := a.newEvent(n.r.sub.Scope, n.typ, "invoice", n.inv.ID, n.inv, n.r.at)
		if err != nil {
			return err
		}
		ev.ID = n.id
		late.Events = append(late.Events, ev)
	}
	if err := tx.Batch.WriteBatch(ctx, late); err != nil {
		return fmt.Errorf("write renewals: %w", err)
	}
	return nil
}

// auditEntries are the unsealed audit entries of changes, for the batch:
// the sealer chains them after the commit, as it does every use case's.
func (a *Renewals) auditEntries(ctx context.Context, changes []change) ([]billing.AuditEntry, error) {
	entries := make([]billing.AuditEntry, 0, len(changes))
	for _, c := range changes {
		e, err := a.newAuditEntry(ctx, c)
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// sweepOneByOne is the sweep without batching; it claims what it takes
// under token, as the batched sweep does.
func (a *Renewals) sweepOneByOne(ctx context.Context, now time.Time, limit int, token string) (int, error) {
	var due []billing.Subscription
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		due, err = tx.Batch.ClaimDueSubscriptions(ctx, "", now, limit, token, now.Add(sweepLease))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("claim due subscriptions: %w", err)
	}
	for _, sub := range due {
		if err := a.stepSubscription(ctx, sub.Scope, sub.ID, now); err != nil {
			if ctx.Err() != nil {
				return 0, err
			}
			a.logger.ErrorContext(ctx, "renewal failed; it stays due", "subscription", sub.ID, "error", err)
		}
	}
	return len(due), nil
}

// holdClaims renews the claims made under token every sweepLease/3 until
// the returned stop is called (and has waited for the renewer to end).
func (a *Renewals) holdClaims(ctx context.Context, token string) (stop func()) {
	return a.heartbeat(ctx, sweepLease/3, func(ctx context.Context) error {
		until := a.Now().Add(sweepLease)
		if err := a.store.InTx(ctx, func(tx billing.Tx) error { return tx.Batch.ExtendSubscriptionClaims(ctx, token, until) }); err != nil {
			return fmt.Errorf("renewing sweep claims failed; they may expire while the sweep works: %w", err)
		}
		return nil
	})
}

// heartbeat calls renew every interval, in its own goroutine, until the
// returned stop is called (stop waits for it to end). It is how work that
// holds a lease (a sweep lane's claims, a test clock's advance) keeps it
// while it runs: a short lease then frees what a dead process held soon,
// without a live one's expiring under it. A failed renewal is logged and
// tried again at the next beat.
func (a *Renewals) heartbeat(ctx context.Context, interval time.Duration, renew func(context.Context) error) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if err := renew(ctx); err != nil && ctx.Err() == nil {
					a.logger.WarnContext(ctx, "renewing a lease failed", "error", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// releaseClaims ends a sweep's claims, also when the sweep was canceled
// (a claim left behind would hold its subscriptions for sweepLease).
func (a *Renewals) releaseClaims(ctx context.Context, token string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.store.InTx(ctx, func(tx billing.Tx) error { return tx.Batch.ReleaseSubscriptionClaims(ctx, token) }); err != nil {
		a.logger.WarnContext(ctx, "releasing sweep claims failed; they expire on their own", "lease", sweepLease, "error", err)
	}
}
