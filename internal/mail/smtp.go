package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	netmail "net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"sync"

	gomail "github.com/wneessen/go-mail"
)

// Sender sends one message. The send job depends on this interface;
// SMTPSender implements it, and tests may use a fake or SMTPSender against
// mailtest.
type Sender interface {
	// Send delivers m or returns an error for which IsPermanent or
	// IsTemporary says whether to try again.
	Send(ctx context.Context, m Message) error
}

// SMTPSender sends messages over SMTP, one connection per message. It is
// safe for concurrent use.
type SMTPSender struct {
	cfg SMTPConfig
}

var _ Sender = (*SMTPSender)(nil)

// NewSMTPSender returns a sender for cfg (see ParseSMTPURL).
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.TLSConfig != nil {
		cfg.TLSConfig = cfg.TLSConfig.Clone()
	}
	return &SMTPSender{cfg: cfg}, nil
}

// Config returns the sender's configuration.
func (s *SMTPSender) Config() SMTPConfig { return s.cfg }

// SendError is the error of a failed Send.
type SendError struct {
	// Code is the SMTP reply code that refused the message (e.g. 450,
	// 550), or 0 when the failure was not a reply (a connection error, a
	// timeout, an invalid message).
	Code int
	// EnhancedCode is the RFC 3463 status code of the reply (e.g.
	// "5.1.1"), when the server sent one.
	EnhancedCode string
	// Permanent says that sending the same message again cannot succeed:
	// a 5xx reply or an invalid message. Everything else (4xx replies,
	// connection errors, timeouts, a canceled context) is temporary.
	Permanent bool
	// Err is the underlying error.
	Err error
}

// Error describes the failure with its class and reply code.
func (e *SendError) Error() string {
	class := "temporary"
	if e.Permanent {
		class = "permanent"
	}
	if e.Code != 0 {
		return fmt.Sprintf("mail: send failed (%s, SMTP %d): %v", class, e.Code, e.Err)
	}
	return fmt.Sprintf("mail: send failed (%s): %v", class, e.Err)
}

// Unwrap returns the underlying error.
func (e *SendError) Unwrap() error { return e.Err }

// IsPermanent reports whether err says a message can never be sent as it
// is, so a job should stop retrying: a 5xx SMTP reply (unknown mailbox,
// message refused, authentication failed) or an invalid message. It is
// false for nil.
func IsPermanent(err error) bool {
	if err == nil {
		return false
	}
	var se *SendError
	if errors.As(err, &se) {
		return se.Permanent
	}
	if errors.Is(err, ErrInvalidMessage) {
		return true
	}
	code, _ := replyCode(err)
	return code >= 500 && code <= 599
}

// IsTemporary reports whether err is a failure worth retrying later: a
// 4xx SMTP reply (mailbox busy, greylisting, rate limits), a connection
// error, a timeout, a canceled context. It is false for nil and for
// permanent errors.
func IsTemporary(err error) bool {
	return err != nil && !IsPermanent(err)
}

// replyCode finds the SMTP reply code (and enhanced status code) in err,
// or 0.
func replyCode(err error) (int, string) {
	var ge *gomail.SendError
	if errors.As(err, &ge) && ge.ErrorCode() != 0 {
		return ge.ErrorCode(), ge.EnhancedStatusCode()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code, ""
	}
	return 0, ""
}

// classify wraps a failure of Send in a SendError.
func classify(err error) *SendError {
	code, enhanced := replyCode(err)
	return &SendError{
		Code:         code,
		EnhancedCode: enhanced,
		Permanent:    (code >= 500 && code <= 599) || errors.Is(err, ErrInvalidMessage),
		Err:          err,
	}
}

// Send delivers m over a new SMTP connection. Each step (connect, TLS,
// authentication, each command) is bounded by the configured timeout, and
// canceling ctx closes the connection at once. The message counts as sent
// once the server accepted its data: a failure after that (closing the
// session) is not reported, so a retried job does not send it twice.
// Errors are *SendError.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return classify(err)
	}
	msg, err := buildMsg(m)
	if err != nil {
		return classify(err)
	}
	if err := ctx.Err(); err != nil {
		return classify(fmt.Errorf("before connecting: %w", err))
	}

	var conn connCloser
	stop := context.AfterFunc(ctx, conn.close)
	defer stop()
	defer conn.close()

	client, err := gomail.NewClient(s.cfg.Host, s.clientOptions(&conn)...)
	if err != nil {
		return classify(fmt.Errorf("configure SMTP client: %w", err))
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return classify(withContext(ctx, fmt.Errorf("connect to %s: %w", s.addr(), err)))
	}
	sendErr := client.SendWithSMTPClient(sc, msg)
	_ = client.CloseWithSMTPClient(sc) // QUIT; the deferred close ends the connection anyway
	if msg.IsDelivered() {
		// The server took responsibility for the message: whatever failed
		// after that changes nothing for the recipient.
		return nil
	}
	if sendErr == nil {
		sendErr = errors.New("server did not accept the message")
	}
	return classify(withContext(ctx, fmt.Errorf("send to %s: %w", s.addr(), sendErr)))
}

// withContext adds ctx's error to err when ctx ended: the connection was
// closed because of it, and the error from that is only a symptom.
func withContext(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("%w (%w)", cerr, err)
	}
	return err
}

func (s *SMTPSender) addr() string {
	return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
}

// clientOptions configures go-mail for one send. Its dial function records
// the connection in conn, so that a canceled context can close it, and
// does the handshake of implicit TLS.
func (s *SMTPSender) clientOptions(conn *connCloser) []gomail.Option {
	cfg := s.cfg
	tlsConfig := s.tlsConfig()
	opts := []gomail.Option{
		gomail.WithPort(cfg.Port),
		gomail.WithTimeout(cfg.timeout()),
		gomail.WithTLSConfig(tlsConfig),
		// One message per connection: no NOOP before it, no RSET after.
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
		gomail.WithDialContextFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
			d := &net.Dialer{}
			c, err := d.DialContext(ctx, network, s.addr())
			if err != nil {
				return nil, err
			}
			conn.set(c)
			if cfg.TLS != TLSImplicit {
				return c, nil
			}
			tc := tls.Client(c, tlsConfig)
			if err := tc.HandshakeContext(ctx); err != nil {
				return nil, fmt.Errorf("TLS handshake: %w", err)
			}
			return tc, nil
		}),
	}
	switch cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default: // none, or implicit TLS done by the dialer
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.HELO != "" {
		opts = append(opts, gomail.WithHELO(cfg.HELO))
	}
	if cfg.Username != "" {
		opts = append(opts, gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
		if cfg.Auth != "" {
			opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthType(strings.ToUpper(cfg.Auth))))
		} else {
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(
				gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1,
				gomail.SMTPAuthPlain, gomail.SMTPAuthLogin, gomail.SMTPAuthCramMD5))
		}
	}
	return opts
}

// tlsConfig is the configured TLS config (or a default one) with
// ServerName defaulting to the host and at least TLS 1.2.
func (s *SMTPSender) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		c = s.cfg.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = s.cfg.Host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// connCloser holds a send's network connection so that a canceled context
// (from another goroutine) can close it; a connection set after close is
// closed at once.
type connCloser struct {
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

func (c *connCloser) set(conn net.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		_ = conn.Close()
		return
	}
	c.conn = conn
}

func (c *connCloser) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// buildMsg turns a validated Message into a go-mail message.
func buildMsg(m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(&netmail.Address{Name: m.From.Name, Address: m.From.Email})
	to := make([]*netmail.Address, len(m.To))
	for i, a := range m.To {
		to[i] = &netmail.Address{Name: a.Name, Address: a.Email}
	}
	msg.ToMailAddress(to...)
	if m.ReplyTo.Email != "" {
		msg.ReplyToMailAddress(&netmail.Address{Name: m.ReplyTo.Name, Address: m.ReplyTo.Email})
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	if !m.Date.IsZero() {
		msg.SetDateWithValue(m.Date)
	}
	for name, value := range m.Headers {
		msg.SetGenHeader(gomail.Header(textproto.CanonicalMIMEHeaderKey(name)), value)
	}

	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	}

	for _, a := range m.Attachments {
		contentType := "application/octet-stream"
		if a.ContentType != "" {
			mediaType, params, err := mime.ParseMediaType(a.ContentType)
			if err != nil {
				return nil, fmt.Errorf("%w: attachment %q content type: %v", ErrInvalidMessage, a.Filename, err)
			}
			contentType = mime.FormatMediaType(mediaType, params)
		}
		msg.AttachReadSeeker(a.Filename, bytes.NewReader(a.Data),
			gomail.WithFileContentType(gomail.ContentType(contentType)))
	}
	return msg, nil
}
