package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// gatewayDeps is what the gateway configuration use cases need.
type gatewayDeps struct {
	box Sealer // seals credentials; without a key, live mode is refused
}

// Sealer is the port through which app keeps secrets at rest (gateway
// credentials, webhook signing secrets, stored idempotent responses):
// internal/secretbox's Box implements it with CUOTA_SECRET_KEY. Open and
// Seal fail with billing.ErrNoSecretKey without a key and Open with
// billing.ErrSecretNotOpen when a value does not open, which app reports
// as 503s naming the variable.
type Sealer interface {
	// HasKey reports whether a key is configured (live mode needs one).
	HasKey() bool
	// Seal seals plaintext bound to ad (where it is stored).
	Seal(plaintext []byte, ad string) (string, error)
	// Open opens a value Seal returned with the same ad.
	Open(sealed, ad string) ([]byte, error)
	// IsSealed reports whether a stored value is sealed (rather than a
	// test-mode value kept in the clear).
	IsSealed(v string) bool
}

// noSealer is the Sealer of an App given none: no key, so nothing is sealed
// and nothing stored by it is sealed either.
type noSealer struct{}

func (noSealer) HasKey() bool                        { return false }
func (noSealer) Seal([]byte, string) (string, error) { return "", billing.ErrNoSecretKey }
func (noSealer) Open(string, string) ([]byte, error) { return nil, billing.ErrNoSecretKey }
func (noSealer) IsSealed(string) bool                { return false }

// plainPrefix marks test-mode credentials stored without a key.
const plainPrefix = "plain:"

// Flow environments.
const (
	FlowSandbox    = "sandbox"
	FlowProduction = "production"
)

// GatewayConfigView is a gateway configuration as the API shows it: the
// credentials redacted.
type GatewayConfigView struct {
	Gateway     string    `json:"gateway"`
	Livemode    bool      `json:"livemode"`
	APIKey      string    `json:"api_key"`                  // redacted: the last 4 characters
	Secret      string    `json:"secret,omitempty"`         // "set" when present; never shown
	Webhook     string    `json:"webhook_secret,omitempty"` // "set" when present; never shown
	Environment string    `json:"environment,omitempty"`
	BaseURL     string    `json:"base_url,omitempty"`
	Encrypted   bool      `json:"encrypted"` // sealed with CUOTA_SECRET_KEY
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

// SetGatewayConfig saves a merchant's credentials for a gateway in the
// scope's mode, after the gateway accepts them (when it can tell). Live
// mode needs CUOTA_SECRET_KEY, talks to the gateway's production address
// and takes no address override.
func (a *Merchants) SetGatewayConfig(ctx context.Context, s billing.Scope, gateway string, c billing.GatewayCredentials) (GatewayConfigView, error) {
	c, err := a.validateCredentials(s, gateway, c)
	if err != nil {
		return GatewayConfigView{}, err
	}
	gw, err := a.gateway(gateway)
	if err != nil {
		return GatewayConfigView{}, err
	}
	if checker, ok := gw.(billing.CredentialChecker); ok {
		if err := checker.CheckCredentials(ctx, s, c); err != nil {
			return GatewayConfigView{}, err
		}
	}
	sealed, err := a.sealCredentials(s, gateway, c)
	if err != nil {
		return GatewayConfigView{}, err
	}
	now := a.Now()
	cfg := billing.GatewayConfig{Scope: s, Gateway: gateway, Sealed: sealed, Created: now, Updated: now}
	err = a.store.InTx(ctx, func(tx billing.Tx) error {
		var before any
		if prev, err := tx.Gateways.GetGatewayConfig(ctx, s, gateway); err == nil {
			cfg.Created = prev.Created
			if v, err := a.gatewayView(prev); err == nil {
				before = v
			}
		} else if !errors.Is(err, billing.ErrNotFound) {
			return fmt.Errorf("read %s configuration: %w", gateway, err)
		}
		if err := tx.Gateways.PutGatewayConfig(ctx, cfg); err != nil {
			return fmt.Errorf("save %s configuration: %w", gateway, err)
		}
		// The new credentials were checked with the gateway above: a
		// refusal of the old ones no longer holds.
		if err := a.resolveAlert(ctx, tx, s, billing.AlertGatewayCredentialsRefused, billing.AlertObjectGateway, gateway); err != nil {
			return err
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "gateway_config.put",
			objectType: "gateway_config", objectID: gateway, before: before, after: a.redactedView(s, gateway, c, cfg)})
	})
	if err != nil {
		return GatewayConfigView{}, err
	}
	return a.redactedView(s, gateway, c, cfg), nil
}

// validateCredentials checks and completes credentials for a gateway.
func (a *Merchants) validateCredentials(s billing.Scope, gateway string, c billing.GatewayCredentials) (billing.GatewayCredentials, error) {
	var v validator
	c.APIKey, c.Secret = strings.TrimSpace(c.APIKey), strings.TrimSpace(c.Secret)
	c.WebhookSecret, c.BaseURL = strings.TrimSpace(c.WebhookSecret), strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	switch gateway {
	case billing.GatewayFlow:
		v.required("api_key", c.APIKey)
		v.required("secret", c.Secret)
		switch c.Environment {
		case "":
			c.Environment = FlowSandbox
			if s.Mode == billing.ModeLive {
				c.Environment = FlowProduction
			}
		case FlowSandbox, FlowProduction:
		default:
			v.fail("environment", billing.CodeParameterInvalid, "environment must be sandbox or production")
		}
		if s.Mode == billing.ModeLive && c.Environment != FlowProduction {
			v.fail("environment", billing.CodeParameterInvalid, "live mode uses Flow's production environment")
		}
		if c.WebhookSecret != "" {
			v.fail("webhook_secret", billing.CodeParameterUnknown, "Flow has no webhook secret: its callbacks are verified with a signed status call")
		}
	case billing.GatewayStripe:
		v.required("api_key", c.APIKey)
		if c.Environment != "" {
			v.fail("environment", billing.CodeParameterUnknown, "Stripe's mode follows the key (sk_test_ or sk_live_)")
		}
	case billing.GatewaySim:
		return c, billing.Invalid("gateway", billing.CodeParameterInvalid, "the sim gateway needs no configuration (test mode only)")
	default:
		return c, billing.Invalid("gateway", billing.CodeParameterInvalid, "unknown gateway %q (flow or stripe)", gateway)
	}
	for _, f := range []struct{ param, value string }{{"api_key", c.APIKey}, {"secret", c.Secret}, {"webhook_secret", c.WebhookSecret}} {
		v.maxLen(f.param, f.value, 500)
	}
	if c.BaseURL != "" {
		if s.Mode == billing.ModeLive {
			v.fail("base_url", billing.CodeParameterInvalid, "live mode always talks to the gateway's own address")
		} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.fail("base_url", billing.CodeParameterInvalid, "base_url must be an absolute http or https URL")
		}
	}
	return c, v.err()
}

// sealCredentials turns credentials into what the store keeps.
func (a *Merchants) sealCredentials(s billing.Scope, gateway string, c billing.GatewayCredentials) (string, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode %s credentials: %w", gateway, err)
	}
	if !a.gw.box.HasKey() {
		if s.Mode == billing.ModeLive {
			return "", billing.Invalid("gateway", billing.CodeSecretKeyMissing,
				"live-mode gateway credentials are encrypted at rest: start cuota with CUOTA_SECRET_KEY (32 bytes, e.g. `openssl rand -hex 32`)")
		}
		return plainPrefix + string(raw), nil
	}
	sealed, err := a.gw.box.Seal(raw, sealAD(s, gateway))
	if err != nil {
		return "", fmt.Errorf("seal %s credentials: %w", gateway, err)
	}
	return sealed, nil
}

// sealAD binds sealed credentials to their row.
func sealAD(s billing.Scope, gateway string) string {
	return "merchant_gateways/" + s.MerchantID + "/" + string(s.Mode) + "/" + gateway
}

// openCredentials reads stored credentials.
func (a *Merchants) openCredentials(cfg billing.GatewayConfig) (billing.GatewayCredentials, error) {
	var raw []byte
	if plain, ok := strings.CutPrefix(cfg.Sealed, plainPrefix); ok && cfg.Scope.Mode == billing.ModeTest {
		raw = []byte(plain)
	} else {
		var err error
		what := fmt.Sprintf("the %s configuration of %s (%s mode)", cfg.Gateway, cfg.Scope.MerchantID, cfg.Scope.Mode)
		if raw, err = a.openSealed(cfg.Sealed, sealAD(cfg.Scope, cfg.Gateway), what); err != nil {
			return billing.GatewayCredentials{}, err
		}
	}
	var c billing.GatewayCredentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return billing.GatewayCredentials{}, fmt.Errorf("decode %s credentials of %s: %w", cfg.Gateway, cfg.Scope.MerchantID, err)
	}
	return c, nil
}

// openSealed opens a value sealed with CUOTA_SECRET_KEY (what names it in
// messages). A server started without the key, or with another key than
// the one that sealed the value, cannot use it: that is the operator's to
// fix, not the caller's and not a bug, so it is a 503 with a stable code
// (secret_key_missing, secret_key_mismatch) naming the variable, and an
// error in the log, instead of a 500.
func (a *core) openSealed(sealed, ad, what string) ([]byte, error) {
	raw, err := a.gw.box.Open(sealed, ad)
	switch {
	case err == nil:
		return raw, nil
	case errors.Is(err, billing.ErrNoSecretKey):
		a.logger.Error("cannot open a sealed secret: CUOTA_SECRET_KEY is not set", "what", what)
		return nil, billing.Errorf(billing.KindUnavailable, billing.CodeSecretKeyMissing,
			"%s is encrypted with CUOTA_SECRET_KEY, but cuota was started without it: restart cuota with the key it was saved with", what)
	case errors.Is(err, billing.ErrSecretNotOpen):
		a.logger.Error("cannot open a sealed secret with this CUOTA_SECRET_KEY", "what", what, "error", err)
		return nil, billing.Errorf(billing.KindUnavailable, billing.CodeSecretKeyMismatch,
			"%s does not open with this CUOTA_SECRET_KEY: restart cuota with the key it was saved with, or save it again", what)
	default:
		return nil, fmt.Errorf("open %s: %w", what, err)
	}
}

// SealedSecretsProblem says whether the gateway configurations stored
// sealed can be opened with the server's CUOTA_SECRET_KEY: "" when they
// can (or there are none), else the code of the first that cannot
// (secret_key_missing or secret_key_mismatch), how many cannot, and one of
// them by name. serve logs it at start, so that a missing or wrong key is
// seen before the first request fails.
func (a *Merchants) SealedSecretsProblem(ctx context.Context) (code string, count int, example string, err error) {
	merchants, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.Merchant, error) { return tx.Merchants.ListMerchants(ctx) })
	if err != nil {
		return "", 0, "", fmt.Errorf("list merchants: %w", err)
	}
	for _, m := range merchants {
		for _, mode := range []billing.Mode{billing.ModeTest, billing.ModeLive} {
			s := billing.Scope{MerchantID: m.ID, Mode: mode}
			cfgs, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.GatewayConfig, error) { return tx.Gateways.ListGatewayConfigs(ctx, s) })
			if err != nil {
				return "", 0, "", fmt.Errorf("list gateway configurations: %w", err)
			}
			for _, cfg := range cfgs {
				if !a.gw.box.IsSealed(cfg.Sealed) {
					continue
				}
				if a.gw.box.HasKey() {
					if _, err := a.gw.box.Open(cfg.Sealed, sealAD(cfg.Scope, cfg.Gateway)); err == nil {
						continue
					}
				}
				count++
				if code == "" {
					code = billing.CodeSecretKeyMissing
					if a.gw.box.HasKey() {
						code = billing.CodeSecretKeyMismatch
					}
					example = fmt.Sprintf("%s of %s (%s mode)", cfg.Gateway, cfg.Scope.MerchantID, cfg.Scope.Mode)
				}
			}
		}
	}
	return code, count, example, nil
}

// GatewayCredentials returns a scope's credentials for a gateway, for the
// adapters. A gateway the merchant has not configured is a 400
// gateway_not_configured.
func (a *Merchants) GatewayCredentials(ctx context.Context, s billing.Scope, gateway string) (billing.GatewayCredentials, error) {
	cfg, err := read(ctx, a.core, func(tx billing.Tx) (billing.GatewayConfig, error) {
		return tx.Gateways.GetGatewayConfig(ctx, s, gateway)
	})
	if errors.Is(err, billing.ErrNotFound) {
		return billing.GatewayCredentials{}, billing.Invalid("gateway", billing.CodeGatewayNotConfigured,
			"%s is not configured in %s mode: PUT /v1/merchant/gateways/%s first", gateway, s.Mode, gateway)
	}
	if err != nil {
		return billing.GatewayCredentials{}, fmt.Errorf("read %s configuration: %w", gateway, err)
	}
	return a.openCredentials(cfg)
}

// ListGatewayConfigs shows a scope's gateway configurations, redacted.
func (a *Merchants) ListGatewayConfigs(ctx context.Context, s billing.Scope) ([]GatewayConfigView, error) {
	cfgs, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.GatewayConfig, error) {
		return tx.Gateways.ListGatewayConfigs(ctx, s)
	})
	if err != nil {
		return nil, fmt.Errorf("list gateway configurations: %w", err)
	}
	out := make([]GatewayConfigView, 0, len(cfgs))
	for _, cfg := range cfgs {
		v, err := a.gatewayView(cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// DeleteGatewayConfig removes a gateway's configuration. Saved payment
// methods on it stay, but cannot be charged until it is configured again.
func (a *Merchants) DeleteGatewayConfig(ctx context.Context, s billing.Scope, gateway string) error {
	return a.store.InTx(ctx, func(tx billing.Tx) error {
		if err := tx.Gateways.DeleteGatewayConfig(ctx, s, gateway); err != nil {
			return notFound(err, "gateway_config", gateway)
		}
		return a.audit(ctx, tx, change{merchantID: s.MerchantID, mode: s.Mode, action: "gateway_config.delete",
			objectType: "gateway_config", objectID: gateway})
	})
}

func (a *Merchants) gatewayView(cfg billing.GatewayConfig) (GatewayConfigView, error) {
	c, err := a.openCredentials(cfg)
	if err != nil {
		return GatewayConfigView{}, err
	}
	return a.redactedView(cfg.Scope, cfg.Gateway, c, cfg), nil
}

func (a *Merchants) redactedView(s billing.Scope, gateway string, c billing.GatewayCredentials, cfg billing.GatewayConfig) GatewayConfigView {
	v := GatewayConfigView{Gateway: gateway, Livemode: s.Mode == billing.ModeLive, APIKey: redactKey(c.APIKey),
		Environment: c.Environment, BaseURL: c.BaseURL, Encrypted: a.gw.box.IsSealed(cfg.Sealed),
		Created: cfg.Created, Updated: cfg.Updated}
	if c.Secret != "" {
		v.Secret = "set"
	}
	if c.WebhookSecret != "" {
		v.Webhook = "set"
	}
	return v
}

// redactKey keeps the last four characters of a key.
func redactKey(k string) string {
	if len(k) <= 8 {
		return "…"
	}
	return "…" + k[len(k)-4:]
}

// gatewayUnavailable explains a gateway call that failed without moving money.
// Refusals the caller can act on pass through; a gateway that is not answering
// is a 503 gateway_unavailable naming the merchant's other configured gateways
// that could take the payment instead (docs/architecture.md, "Gateways": never
// a fake success).
func (a *Merchants) gatewayUnavailable(ctx context.Context, s billing.Scope, gateway string, err error) error {
	if e := billing.AsError(err); e != nil {
		return e
	}
	a.logger.WarnContext(ctx, "gateway unavailable", "gateway", gateway, "merchant", s.MerchantID, "error", err)
	msg := fmt.Sprintf("%s is not answering; nothing was charged or saved", gateway)
	if alts := a.FallbackGateways(ctx, s, gateway, ""); len(alts) > 0 {
		msg += fmt.Sprintf("; you can retry with \"gateway\": %q, also configured for this merchant", alts[0])
	}
	return billing.Errorf(billing.KindUnavailable, billing.CodeGatewayUnavailable, "%s", msg)
}

// FallbackGateways lists the gateways, other than failed, that scope s has
// configured and that take currency ("" for any), in order of preference.
// Saved payment methods stay on their own gateway; this is for new
// checkouts and card setups.
func (a *Merchants) FallbackGateways(ctx context.Context, s billing.Scope, failed, currency string) []string {
	cfgs, err := read(ctx, a.core, func(tx billing.Tx) ([]billing.GatewayConfig, error) {
		return tx.Gateways.ListGatewayConfigs(ctx, s)
	})
	if err != nil {
		return nil
	}
	var out []string
	for _, cfg := range cfgs {
		gw, err := a.gateway(cfg.Gateway)
		if cfg.Gateway == failed || err != nil {
			continue
		}
		if cg, ok := gw.(billing.CurrencyGateway); ok && currency != "" && !cg.SupportsCurrency(currency) {
			continue
		}
		if av, ok := gw.(interface{ Available(billing.Scope) bool }); ok && !av.Available(s) {
			continue
		}
		out = append(out, cfg.Gateway)
	}
	return out
}

// checkGatewayCurrency refuses to bill currency through a gateway that
// cannot charge it (Flow: CLP only), before anything is written.
func (a *Merchants) checkGatewayCurrency(gateway, currency string) error {
	gw, err := a.gateway(gateway)
	if err != nil {
		return err
	}
	if cg, ok := gw.(billing.CurrencyGateway); ok && !cg.SupportsCurrency(currency) {
		return billing.Invalid("payment_method", billing.CodeCurrencyNotSupported,
			"this payment method is on %s, which cannot charge %s", gateway, currency)
	}
	return nil
}
