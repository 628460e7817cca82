package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// SetupTTL is how long a payment-method setup link stays usable.
const SetupTTL = time.Hour

// CreateSetupParams start saving a card.
type CreateSetupParams struct {
	Gateway   string
	ReturnURL string
}

// CreateSetup starts a payment-method setup: it returns the setup and the
// URL to send the customer to. On the sim gateway (test mode) that is
// cuota's own test-card page; Flow and Stripe will return theirs.
func (a *Customers) CreateSetup(ctx context.Context, s billing.Scope, customerID string, p CreateSetupParams) (billing.PaymentMethodSetup, string, error) {
	var v validator
	v.required("gateway", p.Gateway)
	v.required("return_url", p.ReturnURL)
	if u, err := url.Parse(p.ReturnURL); p.ReturnURL != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
		v.fail("return_url", billing.CodeParameterInvalid, "return_url must be an absolute http or https URL")
	}
	v.maxLen("return_url", p.ReturnURL, 2000)
	if err := v.err(); err != nil {
		return billing.PaymentMethodSetup{}, "", err
	}
	gw, err := a.gateway(p.Gateway)
	if err != nil {
		return billing.PaymentMethodSetup{}, "", err
	}
	hosted, isHosted := gw.(billing.SetupGateway)
	switch {
	case p.Gateway == billing.GatewaySim:
		if err := testModeOnly(s, "sim gateway setups"); err != nil {
			return billing.PaymentMethodSetup{}, "", err
		}
	case !isHosted:
		return billing.PaymentMethodSetup{}, "", billing.Invalid("gateway", billing.CodeParameterInvalid,
			"card setups through %s are not available", p.Gateway)
	}
	if a.PublicURL() == "" {
		return billing.PaymentMethodSetup{}, "", fmt.Errorf("create setup: the public URL of hosted pages is not configured")
	}
	secret := billing.PrefixSetupSecret + rand.Text()
	now := a.Now()
	st := billing.PaymentMethodSetup{ID: billing.NewID(billing.PrefixSetup, now), Scope: s, CustomerID: customerID,
		Gateway: p.Gateway, ReturnURL: p.ReturnURL, SecretHash: hashSecret(secret), Status: billing.SetupPending,
		ExpiresAt: now.Add(SetupTTL), Created: now, Updated: now}
	var cus billing.Customer
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		var err error
		if cus, err = liveCustomer(ctx, tx, s, customerID); err != nil {
			return notFound(err, "customer", customerID)
		}
		if err := tx.Setups.CreateSetup(ctx, st); err != nil {
			return fmt.Errorf("create setup: %w", err)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "payment_method_setup.create",
			objectType: "payment_method_setup", objectID: st.ID, after: st})
	})
	if err != nil {
		return billing.PaymentMethodSetup{}, "", err
	}
	if !isHosted {
		return st, a.PublicURL() + "/sim/setup/" + st.ID + "?secret=" + url.QueryEscape(secret), nil
	}
	// The gateway's own page: cuota's return page gets the customer back
	// and asks the gateway what happened.
	start, err := hosted.StartSetup(ctx, billing.SetupRequest{Scope: s, Customer: cus, Setup: st,
		ReturnURL: a.PublicURL() + "/return/" + p.Gateway + "/setup/" + st.ID})
	if err != nil {
		msg := "the gateway could not start the card registration"
		if e := billing.AsError(err); e != nil {
			msg = e.Message // a refusal (say, a customer without the email the gateway needs) says why
		}
		if ferr := a.failSetup(ctx, st, msg); ferr != nil {
			a.logger.ErrorContext(ctx, "fail setup", "setup", st.ID, "error", ferr)
		}
		return billing.PaymentMethodSetup{}, "", a.merchants.gatewayUnavailable(ctx, s, p.Gateway, err)
	}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		return tx.Gateways.SetSetupGatewayRef(ctx, s, st.ID, start.GatewayRef)
	})
	if err != nil {
		return billing.PaymentMethodSetup{}, "", fmt.Errorf("record setup %s at %s: %w", st.ID, p.Gateway, err)
	}
	st.GatewayRef = start.GatewayRef
	return st, start.RedirectURL, nil
}

// failSetup ends a pending setup as failed.
func (a *Customers) failSetup(ctx context.Context, st billing.PaymentMethodSetup, msg string) error {
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		st.Status, st.FailureMessage, st.Updated = billing.SetupFailed, msg, a.Now()
		if err := tx.Setups.UpdateSetup(ctx, st); err != nil {
			return fmt.Errorf("fail setup %s: %w", st.ID, err)
		}
		return a.audit(ctx, tx, change{merchantID: st.Scope.MerchantID, mode: st.Scope.Mode, action: "payment_method_setup." + st.Status,
			objectType: "payment_method_setup", objectID: st.ID, after: st})
	})
}

// CompleteGatewaySetup finishes a setup on a gateway's hosted page when the
// customer (or the gateway's notification) comes back with token: the
// token must be the setup's, and the outcome is asked of the gateway,
// never taken from the request. It returns where to send the browser.
func (a *Customers) CompleteGatewaySetup(ctx context.Context, gateway, id, token string) (string, error) {
	st, err := read(ctx, a.core, func(tx billing.Tx) (billing.PaymentMethodSetup, error) {
		return tx.Setups.GetSetupByID(ctx, id)
	})
	gone := billing.NotFound("payment_method_setup", id)
	if err != nil || st.Gateway != gateway || st.GatewayRef == "" ||
		subtle.ConstantTimeCompare([]byte(st.GatewayRef), []byte(token)) != 1 {
		return "", gone
	}
	if st.Status != billing.SetupPending {
		return setupReturnURL(st) // a second return (browser and notification): same answer
	}
	gw, err := a.gateway(gateway)
	if err != nil {
		return "", err
	}
	hosted, ok := gw.(billing.SetupGateway)
	if !ok {
		return "", gone
	}
	out, err := hosted.FinishSetup(ctx, st)
	if err != nil {
		return "", fmt.Errorf("finish setup %s at %s: %w", st.ID, gateway, err)
	}
	if out.Status == billing.SetupPending {
		return setupReturnURL(st)
	}
	var pm *billing.PaymentMethod
	failure := out.FailureMessage
	if out.Status == billing.SetupSucceeded {
		m := a.ownPaymentMethod(out.PaymentMethod, st.Scope, st.CustomerID, gateway)
		pm = &m
	}
	return a.finishSetup(ctx, st, pm, failure)
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// GetSetup returns a setup; a pending one past its expiry shows expired.
func (a *Customers) GetSetup(ctx context.Context, s billing.Scope, id string) (billing.PaymentMethodSetup, error) {
	st, err := read(ctx, a.core, func(tx billing.Tx) (billing.PaymentMethodSetup, error) {
		v, err := tx.Setups.GetSetup(ctx, s, id)
		return v, notFound(err, "payment_method_setup", id)
	})
	if err == nil && st.Status == billing.SetupPending && !a.Now().Before(st.ExpiresAt) {
		st.Status = billing.SetupExpired
	}
	return st, err
}

// OpenSimSetup checks a sim setup link (id and secret) and returns the
// setup it belongs to. Unknown ids and wrong secrets look the same: not
// found; a used or expired link is a conflict.
func (a *Customers) OpenSimSetup(ctx context.Context, id, secret string) (billing.PaymentMethodSetup, error) {
	st, err := read(ctx, a.core, func(tx billing.Tx) (billing.PaymentMethodSetup, error) {
		return tx.Setups.GetSetupByID(ctx, id)
	})
	gone := billing.NotFound("payment_method_setup", id)
	if err != nil || st.Gateway != billing.GatewaySim ||
		subtle.ConstantTimeCompare([]byte(st.SecretHash), []byte(hashSecret(secret))) != 1 {
		return billing.PaymentMethodSetup{}, gone
	}
	if st.Status != billing.SetupPending || !a.Now().Before(st.ExpiresAt) {
		return st, billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "this card setup link has expired or was already used")
	}
	return st, nil
}

// CompleteSimSetup finishes a sim setup with the test card the person
// picked (token "" means they canceled) and returns where to send the
// browser: the merchant's return_url with setup_id and status added. The
// setup's check, the saved card and the setup's outcome commit together,
// so a double submit saves one card and a crash leaves nothing half done.
func (a *Customers) CompleteSimSetup(ctx context.Context, id, secret, token string) (string, error) {
	st, err := a.OpenSimSetup(ctx, id, secret)
	if err != nil {
		return "", err
	}
	info := RequestInfoFrom(ctx)
	info.Actor = "customer:" + st.CustomerID
	ctx = WithRequestInfo(ctx, info)
	var pm *billing.PaymentMethod
	failure := "the customer canceled"
	if token != "" {
		m, err := a.verifyToken(ctx, st.Scope, st.CustomerID, AttachPaymentMethodParams{Gateway: billing.GatewaySim, Token: token})
		if e := billing.AsError(err); e != nil {
			failure = e.Message
		} else if err != nil {
			return "", err
		} else {
			pm = &m
		}
	}
	return a.finishSetup(ctx, st, pm, failure)
}

// finishSetup records a pending setup's outcome: the saved card (pm) or
// the failure, committed together, so a double submit saves one card and
// a crash leaves nothing half done. It returns where to send the browser.
func (a *Customers) finishSetup(ctx context.Context, st billing.PaymentMethodSetup, pm *billing.PaymentMethod, failure string) (string, error) {
	info := RequestInfoFrom(ctx)
	info.Actor = "customer:" + st.CustomerID
	ctx = WithRequestInfo(ctx, info)
	var retry []string
	err := a.store.InTx(ctx, func(tx billing.Tx) error {
		cur, err := tx.Setups.GetSetupByID(ctx, st.ID)
		if err != nil {
			return fmt.Errorf("read setup %s: %w", st.ID, err)
		}
		if cur.Status != billing.SetupPending {
			return billing.Errorf(billing.KindConflict, billing.CodeInvalidStateTransition, "this card setup link was already used")
		}
		st.Status, st.FailureMessage = billing.SetupFailed, failure
		if pm != nil {
			if _, err := liveCustomer(ctx, tx, st.Scope, st.CustomerID); errors.Is(err, billing.ErrNotFound) {
				pm, st.FailureMessage = nil, "the customer was deleted"
			} else if err != nil {
				return fmt.Errorf("read customer %s: %w", st.CustomerID, err)
			}
		}
		if pm != nil {
			if retry, err = a.savePaymentMethod(ctx, tx, *pm); err != nil {
				return err
			}
			st.Status, st.PaymentMethodID, st.FailureMessage = billing.SetupSucceeded, pm.ID, ""
		}
		st.Updated = a.Now()
		if err := tx.Setups.UpdateSetup(ctx, st); err != nil {
			return fmt.Errorf("finish setup %s: %w", st.ID, err)
		}
		if err := a.audit(ctx, tx, change{merchantID: st.Scope.MerchantID, mode: st.Scope.Mode, action: "payment_method_setup." + st.Status,
			objectType: "payment_method_setup", objectID: st.ID, after: st}); err != nil {
			return err
		}
		return a.emit(ctx, tx, st.Scope, "payment_method_setup."+st.Status, "payment_method_setup", st.ID, st, st.Updated)
	})
	if err != nil {
		return "", err
	}
	if err := a.retryWithNewMethod(ctx, st.Scope, retry); err != nil {
		a.logger.ErrorContext(ctx, "retry after card setup", "setup", st.ID, "error", err)
	}
	return setupReturnURL(st)
}

// setupReturnURL is the merchant's return_url with setup_id and status.
func setupReturnURL(st billing.PaymentMethodSetup) (string, error) {
	u, err := url.Parse(st.ReturnURL)
	if err != nil {
		return "", fmt.Errorf("return url of %s: %w", st.ID, err)
	}
	q := u.Query()
	q.Set("setup_id", st.ID)
	q.Set("status", st.Status)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
