package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/mail"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		url  string
		want mail.SMTPConfig
	}{
		{"smtp://mail.example.com", mail.SMTPConfig{Host: "mail.example.com", Port: 587, TLS: mail.TLSStartTLS}},
		{"smtp://user:pass@mail.example.com:2525?tls=starttls", mail.SMTPConfig{
			Host: "mail.example.com", Port: 2525, Username: "user", Password: "pass", TLS: mail.TLSStartTLS}},
		{"smtp://apikey:p%40ss%2Fw%3Ard%23@smtp.example.com?tls=tls", mail.SMTPConfig{
			Host: "smtp.example.com", Port: 465, Username: "apikey", Password: "p@ss/w:rd#", TLS: mail.TLSImplicit}},
		{"smtps://u:p@smtp.example.com", mail.SMTPConfig{Host: "smtp.example.com", Port: 465, Username: "u", Password: "p", TLS: mail.TLSImplicit}},
		{"smtp://relay.internal?tls=none", mail.SMTPConfig{Host: "relay.internal", Port: 25, TLS: mail.TLSNone}},
		{"smtp://u:p@127.0.0.1:1025?tls=none", mail.SMTPConfig{Host: "127.0.0.1", Port: 1025, Username: "u", Password: "p", TLS: mail.TLSNone}},
		{"smtp://u:p@localhost:1025/?tls=NONE", mail.SMTPConfig{Host: "localhost", Port: 1025, Username: "u", Password: "p", TLS: mail.TLSNone}},
		{"smtp://[::1]:1025?tls=none", mail.SMTPConfig{Host: "::1", Port: 1025, TLS: mail.TLSNone}},
		{"smtp://u:p@mail.example.com?auth=LOGIN&helo=cuota.example.com&timeout=10s", mail.SMTPConfig{
			Host: "mail.example.com", Port: 587, Username: "u", Password: "p", TLS: mail.TLSStartTLS,
			Auth: "login", HELO: "cuota.example.com", Timeout: 10 * time.Second}},
		{"smtp://token@mail.example.com", mail.SMTPConfig{Host: "mail.example.com", Port: 587, Username: "token", TLS: mail.TLSStartTLS}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := mail.ParseSMTPURL(tt.url)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestParseSMTPURLErrors(t *testing.T) {
	const secret = "s3cr3t-PASSWORD"
	tests := []struct {
		url string
		msg string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"mail.example.com:587", "scheme"},
		{"http://mail.example.com", `scheme "http"`},
		{"smtp:mail.example.com", "missing //"},
		{"smtp://", "no host"},
		{"smtp://:587", "no host"},
		{"smtp://u:" + secret + "@mail.example.com:99999", "port"},
		{"smtp://u:" + secret + "@mail.example.com:0", "port"},
		{"smtp://u:" + secret + "@mail.example.com:smtp", "port"},
		{"smtp://u:" + secret + "@mail.example.com?tls=ssl", `tls="ssl"`},
		{"smtp://u:" + secret + "@mail.example.com?tls=none", "clear text"},
		{"smtps://u:" + secret + "@mail.example.com?tls=starttls", "smtps:// means tls=tls"},
		{"smtp://u:" + secret + "@mail.example.com?tls=tls&tls=none", "given 2 times"},
		{"smtp://u:" + secret + "@mail.example.com?port=25", `unknown parameter "port"`},
		{"smtp://u:" + secret + "@mail.example.com?timeout=soon", "timeout"},
		{"smtp://u:" + secret + "@mail.example.com?timeout=-1s", "timeout"},
		{"smtp://u:" + secret + "@mail.example.com?auth=xoauth2", "auth"},
		{"smtp://mail.example.com?auth=plain", "without a user name"},
		{"smtp://:" + secret + "@mail.example.com", "password without a user name"},
		{"smtp://u:" + secret + "@mail.example.com/inbox", "path"},
		{"smtp://u:s3cr3t#PASSWORD@mail.example.com", "percent-encode"},
		{"smtp://u:123#PASSWORD@mail.example.com", "percent-encode them"},
		{"smtp://u:123/s3cr3t@mail.example.com", "percent-encode them"},
		{"smtp://u:123?s3cr3t@mail.example.com", "percent-encode them"},
		{"smtp://mail.example.com#frag", "fragment"},
		{"smtp://100.0.00::", "neither a host name nor an IP"},
		{"smtp://mail_example.com.-bad", "neither a host name nor an IP"},
		{"smtp://u:" + secret + "@mail example.com", "invalid"},
		{"smtp://u:" + secret + "@mail.example.com?%zz", "query"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := mail.ParseSMTPURL(tt.url)
			require.ErrorIs(t, err, mail.ErrInvalidSMTPURL)
			require.ErrorContains(t, err, tt.msg)
			require.NotContains(t, err.Error(), "s3cr3t", "errors never show the password")
			require.NotContains(t, err.Error(), "PASSWORD")
		})
	}
}

func TestSMTPConfigStringRedactsPassword(t *testing.T) {
	cfg, err := mail.ParseSMTPURL("smtp://user:s3cr3t@mail.example.com:2525?tls=starttls&timeout=5s")
	require.NoError(t, err)
	s := cfg.String()
	require.NotContains(t, s, "s3cr3t")
	require.Equal(t, "smtp://user:xxxxx@mail.example.com:2525?timeout=5s&tls=starttls", s)

	again, err := mail.ParseSMTPURL(s)
	require.NoError(t, err)
	cfg.Password = "xxxxx"
	require.Equal(t, cfg, again, "String parses back, with the redacted password")

	require.Equal(t, "smtp://[::1]:25?tls=none", mail.SMTPConfig{Host: "::1", Port: 25, TLS: mail.TLSNone}.String())
}

func TestNewSMTPSenderValidatesConfig(t *testing.T) {
	_, err := mail.NewSMTPSender(mail.SMTPConfig{Host: "mail.example.com", Port: 587})
	require.ErrorContains(t, err, "tls mode")
	_, err = mail.NewSMTPSender(mail.SMTPConfig{Port: 587, TLS: mail.TLSStartTLS})
	require.ErrorContains(t, err, "no host")
	_, err = mail.NewSMTPSender(mail.SMTPConfig{Host: "mail.example.com", TLS: mail.TLSStartTLS})
	require.ErrorContains(t, err, "port 0")
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Host: "mail.example.com", Port: 587, TLS: mail.TLSStartTLS})
	require.NoError(t, err)
	require.Equal(t, "mail.example.com", s.Config().Host)
}

// FuzzParseSMTPURL checks that ParseSMTPURL never panics, never shows the
// password in an error, and that what it accepts is a valid config whose
// String parses back.
func FuzzParseSMTPURL(f *testing.F) {
	for _, seed := range [][2]string{
		{"mail.example.com:587", "tls=starttls"},
		{"h", "tls=tls&auth=plain"},
		{"[::1]:25", "tls=none&timeout=1s"},
		{"127.0.0.1:1025", "tls=none"},
		{"h:99999", ""},
		{"h/path", "x=1"},
		{"h#frag", "%zz"},
	} {
		f.Add(seed[0], seed[1])
	}
	const secret = "SECRETPW"
	f.Fuzz(func(t *testing.T, hostport, query string) {
		raw := "smtp://user:" + secret + "@" + hostport + "?" + query
		cfg, err := mail.ParseSMTPURL(raw)
		if err != nil {
			require.ErrorIs(t, err, mail.ErrInvalidSMTPURL)
			if !strings.Contains(hostport+query, secret) {
				require.NotContains(t, err.Error(), secret)
			}
			return
		}
		require.NoError(t, cfg.Validate())
		require.NotEmpty(t, cfg.Host)
		s := cfg.String()
		if cfg.Password == secret && !strings.Contains(hostport+query, secret) {
			require.NotContains(t, s, secret)
		}
		again, err := mail.ParseSMTPURL(s)
		require.NoError(t, err, "String() = %q", s)
		require.Equal(t, cfg.Host, again.Host)
		require.Equal(t, cfg.Port, again.Port)
		require.Equal(t, cfg.TLS, again.TLS)
	})
}
