package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/cuota/cuota/internal/billing"
)

// chargeRenewals calls the gateways for the planned payments, several at a
// time, outside any transaction.
func (a *Renewals) chargeRenewals(ctx context.Context, plans []*renewal) {
	// Gateways that take many charges in one call get them all at once.
	batches := map[string][]*renewal{}
	var single []*renewal
	for _, r := range plans {
		if r.pay == nil {
			continue
		}
		if gw, err := a.gateway(r.pay.Gateway); err == nil {
			if _, ok := gw.(billing.BatchCharger); ok {
				batches[r.pay.Gateway] = append(batches[r.pay.Gateway], r)
				continue
			}
		}
		single = append(single, r)
	}
	for name, rs := range batches {
		gw, _ := a.gateway(name)
		reqs := make([]billing.ChargeRequest, len(rs))
		for i, r := range rs {
			reqs[i] = chargeRequest(r)
		}
		results, errs := gw.(billing.BatchCharger).ChargeMany(ctx, reqs)
		for i, r := range rs {
			r.res, r.err = results[i], errs[i]
		}
	}
	sem := make(chan struct{}, chargeConcurrency)
	var wg sync.WaitGroup
	for _, r := range single {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			gw, err := a.gateway(r.pay.Gateway)
			if err != nil {
				r.err = err
				return
			}
			r.res, r.err = gw.Charge(ctx, chargeRequest(r))
		}()
	}
	wg.Wait()
}

func chargeRequest(r *renewal) billing.ChargeRequest {
	return billing.ChargeRequest{Scope: r.sub.Scope, IdempotencyKey: r.pay.IdempotencyKey, Amount: r.pay.Amount,
		Currency: r.pay.Currency, PaymentMethod: r.pm, Description: "invoice " + r.inv.ID}
}

// settleRenewals records the successful charges in one batch, releasing
// their subscriptions' claims (token's) in the same write; it returns the
// renewals that need the one-at-a-time settlement (declines, unknown
// outcomes, and subscriptions changed meanwhile).
func (a *Renewals) settleRenewals(ctx context.Context, plans []*renewal, token string) ([]*renewal, error) {
	// settled is one renewal's rows after its success, computed before the
	// transaction writes anything (it may run more than once).
	type settled struct {
		r        *renewal
		pay      billing.Payment
		inv      billing.Invoice
		sub      billing.Subscription // at the version read: UpdateSubscriptions checks it
		subEvent string
	}
	var slow []*renewal
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		slow = nil
		now := a.Now()
		var done []settled
		var subs []billing.Subscription
		for _, r := range plans {
			if r.pay == nil {
				continue
			}
			if r.err != nil || r.res.Status != billing.PaymentSucceeded {
				slow = append(slow, r)
				continue
			}
			st := settled{r: r, pay: *r.pay, inv: r.inv, sub: r.sub}
			if err := billing.MovePayment(&st.pay, billing.PaymentSucceeded); err != nil {
				return err
			}
			st.pay.GatewayRef, st.pay.Updated = r.res.GatewayRef, now
			var err error
			if st.subEvent, err = a.collection.applySuccess(r.m, st.pay, &st.inv, &st.sub, now); err != nil {
				return err
			}
			st.inv.Updated = now
			st.sub.NextActionAt = nextAction(st.sub, nil)
			st.sub.Updated = now
			done = append(done, st)
			subs = append(subs, st.sub)
		}
		if len(subs) == 0 {
			return nil
		}
		// The version check is the lock: a subscription changed since the
		// renewal wrote it is left alone and settled one at a time.
		staleIDs, err := tx.Batch.UpdateSubscriptions(ctx, subs, billing.ClaimChange{Release: token})
		if err != nil {
			return fmt.Errorf("settle renewed subscriptions: %w", err)
		}
		stale := make(map[string]bool, len(staleIDs))
		for _, id := range staleIDs {
			stale[id] = true
		}
		var b billing.WriteBatch
		var changes []change
		for _, st := range done {
			r := st.r
			if stale[r.sub.ID] {
				slow = append(slow, r)
				continue
			}
			s := r.sub.Scope
			after := st.sub
			after.Version++
			b.PaymentUpdates = append(b.PaymentUpdates, st.pay)
			b.InvoiceUpdates = append(b.InvoiceUpdates, st.inv)
			var payAfter, subAfter any = st.pay, after
			for _, e := range []struct {
				typ, objType, id string
				before, data     any
				encoded          *any
			}{
				{EventPaymentSucceeded, "payment", st.pay.ID, nil, st.pay, &payAfter},
				{EventInvoicePaid, "invoice", st.inv.ID, nil, st.inv, nil},
				{st.subEvent, "subscription", after.ID, r.subJSON, after, &subAfter},
			} {
				if e.typ == "" {
					continue
				}
				ev, err := a.newChangeEvent(s, e.typ, e.objType, e.id, e.before, e.data, now)
				if err != nil {
					return err
				}
				b.Events = append(b.Events, ev)
				if e.encoded != nil {
					*e.encoded = ev.Data
				}
			}
			changes = append(changes,
				change{merchantID: s.MerchantID, mode: s.Mode, action: "payment." + string(st.pay.Status), objectType: "payment",
					objectID: st.pay.ID, before: r.payJSON, after: payAfter},
				change{merchantID: s.MerchantID, mode: s.Mode, action: "subscription.update", objectType: "subscription",
					objectID: after.ID, before: r.subJSON, after: subAfter})
		}
		audit, err := a.auditEntries(ctx, changes)
		if err != nil {
			return err
		}
		b.Audit = audit
		if err := tx.Batch.WriteBatch(ctx, b); err != nil {
			return fmt.Errorf("settle renewals: %w", err)
		}
		return nil
	})
	return slow, err
}
