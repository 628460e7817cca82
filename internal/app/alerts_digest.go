package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cuota/cuota/internal/billing"
)

// digestAlertsAtMost bounds the open alerts one digest reads (newest
// first, one range of the alerts' status index); a scope with more lists
// those and says how many it read.
const digestAlertsAtMost = 100

// SendAlertDigests records, for every merchant and mode, the day's alert
// digest (docs/alerts.md) when it has something to say: the open alerts
// that repeated or stayed open over the day before in the merchant's time
// zone (billing.AlertDigest). The email is written, with its send job, in
// the scope's transaction before anything is sent, under a key unique per
// scope and day (billing.AlertDigestKey): however often this runs, and on
// however many processes, a scope gets at most one digest a day, and the
// send job sends it once. It returns how many digests it recorded. The
// leader runs it every hour; a scope that fails is logged and left for
// the next run.
func (a *Alerts) SendAlertDigests(ctx context.Context) (int, error) {
	ctx = WithRequestInfo(ctx, RequestInfo{Actor: "system"})
	merchants, err := a.merchants.ListMerchants(ctx)
	if err != nil {
		return 0, fmt.Errorf("send alert digests: %w", err)
	}
	sent := 0
	var errs []error
	for _, m := range merchants {
		for _, mode := range []billing.Mode{billing.ModeTest, billing.ModeLive} {
			s := billing.Scope{MerchantID: m.ID, Mode: mode}
			var recorded bool
			err := a.store.InTx(ctx, func(tx billing.Tx) error {
				var err error
				recorded, err = a.recordDigest(ctx, tx, m, s)
				return err
			})
			if err == nil {
				if recorded {
					sent++
				}
				continue
			}
			if ctx.Err() != nil {
				return sent, err
			}
			a.logger.ErrorContext(ctx, "recording the alert digest failed; will retry", "merchant", s.MerchantID, "mode", s.Mode, "error", err)
			errs = append(errs, fmt.Errorf("alert digest %s/%s: %w", s.MerchantID, s.Mode, err))
		}
	}
	return sent, errors.Join(errs...)
}

// recordDigest writes scope s's digest of today, if it has alerts to list
// and none was written today, and reports whether it wrote one.
func (a *Alerts) recordDigest(ctx context.Context, tx billing.Tx, m billing.Merchant, s billing.Scope) (bool, error) {
	now := a.Now()
	day, from, to := billing.AlertDigestWindow(now, merchantLocation(m))
	open, _, err := tx.Alerts.ListAlerts(ctx, s, billing.AlertFilter{Status: billing.AlertOpen}, billing.Page{Limit: digestAlertsAtMost})
	if err != nil {
		return false, fmt.Errorf("list open alerts: %w", err)
	}
	listed := billing.AlertDigest(open, from, to)
	if len(listed) == 0 {
		return false, nil
	}
	p := emailParams{DigestFrom: &from, DigestTo: &to}
	for i := len(listed) - 1; i >= 0; i-- { // oldest first
		p.AlertIDs = append(p.AlertIDs, listed[i].ID)
	}
	params, err := json.Marshal(p)
	if err != nil {
		return false, fmt.Errorf("encode digest params: %w", err)
	}
	e := billing.Email{ID: billing.NewID(billing.PrefixEmail, now), Scope: s, Template: billing.EmailAlertDigest, Locale: m.Locale,
		EventID: billing.AlertDigestKey(s, day), ObjectType: billing.AlertObjectMerchant, ObjectID: m.ID, Params: params,
		Status: billing.EmailPending, Created: now, Updated: now}
	if to := billing.AlertAddress(m); to != "" {
		e.To = []string{to}
	} else {
		e.Status, e.LastError = billing.EmailSkipped, "the merchant has no alert email (set alert_email or support_email with PATCH /v1/merchant)"
	}
	inserted, err := tx.Notify.InsertEmail(ctx, e)
	if err != nil || !inserted {
		return false, err
	}
	if e.Status == billing.EmailPending {
		if err := tx.Jobs.Enqueue(ctx, SendEmailArgs{MerchantID: s.MerchantID, Mode: s.Mode, EmailID: e.ID}); err != nil {
			return false, fmt.Errorf("enqueue email %s: %w", e.ID, err)
		}
	}
	return true, nil
}
