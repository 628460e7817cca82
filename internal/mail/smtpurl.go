package mail

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TLSMode is how an SMTP connection is protected.
type TLSMode string

// The TLS modes.
const (
	// TLSNone sends in clear text (a local relay, a test server).
	TLSNone TLSMode = "none"
	// TLSStartTLS connects in clear text and upgrades with STARTTLS,
	// which the server must offer (usually port 587). The default.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (usually port 465).
	TLSImplicit TLSMode = "tls"
)

// Default ports per TLS mode.
const (
	defaultPortNone     = 25
	defaultPortStartTLS = 587
	defaultPortImplicit = 465
)

// DefaultSMTPTimeout bounds each step of an SMTP session (connecting,
// every command and reply) when the URL sets no timeout.
const DefaultSMTPTimeout = 30 * time.Second

// ErrInvalidSMTPURL is wrapped by every error of ParseSMTPURL.
var ErrInvalidSMTPURL = errors.New("mail: invalid SMTP URL")

// SMTPConfig says how to reach an SMTP server. ParseSMTPURL builds one from
// a URL; tests may also fill it directly.
type SMTPConfig struct {
	Host     string  // host name or IP address of the server
	Port     int     // TCP port, 1-65535
	Username string  // empty: no authentication
	Password string  // used with Username
	TLS      TLSMode // how the connection is protected
	// Auth forces a SASL mechanism: "plain", "login", "cram-md5",
	// "scram-sha-1" or "scram-sha-256". Empty picks the best the server
	// offers, in that order of preference: scram-sha-256, scram-sha-1,
	// plain, login, cram-md5.
	Auth string
	// HELO is the name sent in EHLO; empty sends the machine's host name.
	HELO string
	// Timeout bounds each step of a session; zero means DefaultSMTPTimeout.
	Timeout time.Duration
	// TLSConfig, when set, is used (cloned, with ServerName defaulting to
	// Host) for STARTTLS and implicit TLS, e.g. to trust a private CA. It
	// cannot be set from the URL.
	TLSConfig *tls.Config
}

// quoted matches a quoted string in an error message.
var quoted = regexp.MustCompile(`\s*"(?:[^"\\]|\\.)*"`)

// hostname matches a DNS host name (letters, digits, '-' and '_' in
// dot-separated labels).
var hostname = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$`)

// authMechanisms are the values SMTPConfig.Auth accepts.
var authMechanisms = []string{"plain", "login", "cram-md5", "scram-sha-1", "scram-sha-256"}

// ParseSMTPURL parses the SMTP URL cuota reads from CUOTA_SMTP_URL:
//
//	smtp://[user[:password]@]host[:port][?tls=none|starttls|tls][&auth=…][&helo=…][&timeout=…]
//
// The user name and password are percent-encoded ("p@ss/word" is
// "p%40ss%2Fword"). tls defaults to starttls; the port defaults to 25
// (none), 587 (starttls) or 465 (tls). "smtps://" is the same as
// "smtp://…?tls=tls". auth forces a SASL mechanism (see SMTPConfig.Auth),
// helo sets the EHLO name and timeout (a Go duration such as "10s") bounds
// each step. Unknown or repeated parameters are errors, and so are
// credentials with tls=none to a host that is not loopback, since the
// password would cross the network in clear text. Errors never contain the
// password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	if strings.TrimSpace(raw) == "" {
		return SMTPConfig{}, fmt.Errorf("%w: empty (want smtp://user:pass@host:port?tls=starttls)", ErrInvalidSMTPURL)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, and its reason may quote a piece
		// of it ("invalid port \":pa\" after host" when the password has a
		// '#'): keep the reason without anything quoted.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		reason := strings.TrimSpace(quoted.ReplaceAllString(err.Error(), ""))
		return SMTPConfig{}, fmt.Errorf("%w: %s (percent-encode special characters in the user name and password)", ErrInvalidSMTPURL, reason)
	}
	if strings.Contains(u.Path, "@") || strings.Contains(u.RawQuery, "@") || strings.Contains(u.Fragment, "@") {
		// Most likely a '/', '?' or '#' in the password cut the URL short;
		// say so without showing any of it.
		return SMTPConfig{}, fmt.Errorf("%w: the user name or password contains '/', '?' or '#': percent-encode them (%%2F, %%3F, %%23)", ErrInvalidSMTPURL)
	}
	cfg := SMTPConfig{TLS: TLSStartTLS}
	switch u.Scheme {
	case "smtp":
	case "smtps":
		cfg.TLS = TLSImplicit
	case "":
		return SMTPConfig{}, fmt.Errorf("%w: no scheme (want smtp://host:port)", ErrInvalidSMTPURL)
	default:
		return SMTPConfig{}, fmt.Errorf("%w: scheme %q (want smtp or smtps)", ErrInvalidSMTPURL, u.Scheme)
	}
	if u.Opaque != "" {
		return SMTPConfig{}, fmt.Errorf("%w: missing // after %s: (want %s://host:port)", ErrInvalidSMTPURL, u.Scheme, u.Scheme)
	}
	if u.Path != "" && u.Path != "/" {
		return SMTPConfig{}, fmt.Errorf("%w: unexpected path %q", ErrInvalidSMTPURL, u.Path)
	}
	if u.Fragment != "" {
		return SMTPConfig{}, fmt.Errorf("%w: unexpected fragment (a '#' in the password must be written %%23)", ErrInvalidSMTPURL)
	}
	cfg.Host = u.Hostname()
	if cfg.Host == "" {
		return SMTPConfig{}, fmt.Errorf("%w: no host", ErrInvalidSMTPURL)
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if cfg.Username == "" && cfg.Password != "" {
			return SMTPConfig{}, fmt.Errorf("%w: a password without a user name", ErrInvalidSMTPURL)
		}
	}

	query, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return SMTPConfig{}, fmt.Errorf("%w: query: %v", ErrInvalidSMTPURL, err)
	}
	for key, values := range query {
		if len(values) > 1 {
			return SMTPConfig{}, fmt.Errorf("%w: parameter %q given %d times", ErrInvalidSMTPURL, key, len(values))
		}
		value := values[0]
		switch key {
		case "tls":
			mode := TLSMode(strings.ToLower(value))
			if !mode.valid() {
				return SMTPConfig{}, fmt.Errorf("%w: tls=%q (want none, starttls or tls)", ErrInvalidSMTPURL, value)
			}
			if u.Scheme == "smtps" && mode != TLSImplicit {
				return SMTPConfig{}, fmt.Errorf("%w: smtps:// means tls=tls, but the URL says tls=%s", ErrInvalidSMTPURL, mode)
			}
			cfg.TLS = mode
		case "auth":
			cfg.Auth = strings.ToLower(value)
		case "helo":
			cfg.HELO = value
		case "timeout":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return SMTPConfig{}, fmt.Errorf("%w: timeout=%q (want a positive duration such as 30s)", ErrInvalidSMTPURL, value)
			}
			cfg.Timeout = d
		default:
			return SMTPConfig{}, fmt.Errorf("%w: unknown parameter %q (known: tls, auth, helo, timeout)", ErrInvalidSMTPURL, key)
		}
	}

	if p := u.Port(); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return SMTPConfig{}, fmt.Errorf("%w: port %q (want 1-65535)", ErrInvalidSMTPURL, p)
		}
		cfg.Port = port
	} else {
		cfg.Port = cfg.TLS.defaultPort()
	}
	if err := cfg.validate(); err != nil {
		return SMTPConfig{}, fmt.Errorf("%w: %v", ErrInvalidSMTPURL, err)
	}
	return cfg, nil
}

func (m TLSMode) valid() bool {
	return m == TLSNone || m == TLSStartTLS || m == TLSImplicit
}

func (m TLSMode) defaultPort() int {
	switch m {
	case TLSNone:
		return defaultPortNone
	case TLSImplicit:
		return defaultPortImplicit
	}
	return defaultPortStartTLS
}

// Validate reports what is wrong with c, or nil.
func (c SMTPConfig) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("mail: SMTP config: %w", err)
	}
	return nil
}

func (c SMTPConfig) validate() error {
	if c.Host == "" {
		return errors.New("no host")
	}
	if net.ParseIP(c.Host) == nil && !hostname.MatchString(c.Host) {
		return fmt.Errorf("host %q is neither a host name nor an IP address", c.Host)
	}
	if c.Port < 1 || c.Port > 65535 {
		return fmt.Errorf("port %d (want 1-65535)", c.Port)
	}
	if !c.TLS.valid() {
		return fmt.Errorf("tls mode %q (want none, starttls or tls)", c.TLS)
	}
	if c.Auth != "" {
		known := false
		for _, m := range authMechanisms {
			known = known || c.Auth == m
		}
		if !known {
			return fmt.Errorf("auth=%q (want one of %s)", c.Auth, strings.Join(authMechanisms, ", "))
		}
		if c.Username == "" {
			return fmt.Errorf("auth=%s without a user name", c.Auth)
		}
	}
	if c.Timeout < 0 {
		return fmt.Errorf("negative timeout %s", c.Timeout)
	}
	if c.Username != "" && c.TLS == TLSNone && !isLoopback(c.Host) {
		return fmt.Errorf("credentials with tls=none would cross the network in clear text to %s; use tls=starttls or tls=tls", c.Host)
	}
	return nil
}

// isLoopback reports whether host is "localhost" or a loopback IP.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// String formats c as an SMTP URL with the password redacted, for logs.
func (c SMTPConfig) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	if c.Username != "" {
		if c.Password != "" {
			u.User = url.UserPassword(c.Username, "xxxxx")
		} else {
			u.User = url.User(c.Username)
		}
	}
	q := url.Values{"tls": {string(c.TLS)}}
	if c.Auth != "" {
		q.Set("auth", c.Auth)
	}
	if c.HELO != "" {
		q.Set("helo", c.HELO)
	}
	if c.Timeout != 0 {
		q.Set("timeout", c.Timeout.String())
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// timeout is c's per-step timeout.
func (c SMTPConfig) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultSMTPTimeout
}
