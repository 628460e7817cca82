// Package mailtest runs an in-process SMTP server on loopback for tests.
// It records every message it accepts — envelope, headers, text and HTML
// parts, decoded attachments — and can refuse the next deliveries with a
// 4xx or 5xx reply, to test retries.
//
//	srv := mailtest.Start(t)
//	sender, _ := mail.NewSMTPSender(srv.Config())
//	… send …
//	msgs := srv.Messages()
//
// A client that got a 250 reply to its message has it recorded: the
// server records before it replies, so tests need no waiting. Wait is for
// messages sent by another goroutine (a job worker).
package mailtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/cuota/cuota/internal/mail"
)

// maxMessageBytes caps one message (an invoice PDF is well under it).
const maxMessageBytes = 32 << 20

// Stage is the point of an SMTP transaction where an injected failure
// replies.
type Stage int

// The stages.
const (
	// StageData refuses the message after receiving its content (the
	// reply to the final "."). The default of FailNext.
	StageData Stage = iota
	// StageMail refuses MAIL FROM.
	StageMail
	// StageRcpt refuses every RCPT TO of the transaction.
	StageRcpt
)

// String names the stage as the SMTP command.
func (s Stage) String() string {
	switch s {
	case StageData:
		return "DATA"
	case StageMail:
		return "MAIL"
	case StageRcpt:
		return "RCPT"
	}
	return "Stage(" + strconv.Itoa(int(s)) + ")"
}

// Option configures a Server.
type Option func(*options)

type options struct {
	user, pass string
	tlsMode    mail.TLSMode
	logger     *log.Logger
}

// WithAuth requires clients to authenticate with AUTH PLAIN as user and
// pass before sending.
func WithAuth(user, pass string) Option {
	return func(o *options) { o.user, o.pass = user, pass }
}

// WithSTARTTLS offers STARTTLS with a self-signed certificate for
// 127.0.0.1 (see Server.ClientTLSConfig).
func WithSTARTTLS() Option {
	return func(o *options) { o.tlsMode = mail.TLSStartTLS }
}

// WithImplicitTLS speaks TLS from the first byte, with a self-signed
// certificate for 127.0.0.1 (see Server.ClientTLSConfig).
func WithImplicitTLS() Option {
	return func(o *options) { o.tlsMode = mail.TLSImplicit }
}

// WithLogger sends the SMTP server's error log to l; by default it is
// discarded.
func WithLogger(l *log.Logger) Option {
	return func(o *options) { o.logger = l }
}

// Server is an SMTP server on 127.0.0.1 that records what it receives.
type Server struct {
	// Addr is the server's host:port on 127.0.0.1.
	Addr string

	opts   options
	smtp   *smtp.Server
	ln     net.Listener
	served chan error
	roots  *x509.CertPool

	mu       sync.Mutex
	closed   bool
	messages []Message
	changed  chan struct{} // closed and replaced when messages grow
	fail     failure
}

// failure is the pending injected failure: the next n transactions that
// reach stage are refused with code.
type failure struct {
	n     int
	code  int
	stage Stage
}

// New starts a server on 127.0.0.1 with a free port.
func New(opts ...Option) (*Server, error) {
	s := &Server{served: make(chan error, 1), changed: make(chan struct{}), opts: options{tlsMode: mail.TLSNone}}
	for _, o := range opts {
		o(&s.opts)
	}

	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailtest.localhost"
	srv.MaxMessageBytes = maxMessageBytes
	srv.MaxRecipients = 100
	srv.AllowInsecureAuth = true // loopback only
	logger := s.opts.logger
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	srv.ErrorLog = logger

	var tlsConfig *tls.Config
	if s.opts.tlsMode != mail.TLSNone {
		cert, roots, err := selfSigned()
		if err != nil {
			return nil, err
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.roots = roots
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mailtest: listen: %w", err)
	}
	switch s.opts.tlsMode {
	case mail.TLSStartTLS:
		srv.TLSConfig = tlsConfig
	case mail.TLSImplicit:
		ln = tls.NewListener(ln, tlsConfig)
	}
	s.Addr = ln.Addr().String()
	s.smtp, s.ln = srv, ln
	go func() { s.served <- srv.Serve(ln) }()
	return s, nil
}

// Start is New for a test: it fails t if the server cannot start and
// closes the server when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := New(opts...)
	if err != nil {
		t.Fatalf("mailtest: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Close stops the server, closing open connections, and waits for it to
// stop accepting. Messages stays readable; nothing is recorded after Close.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()

	// Serve may not have registered the listener with the SMTP server yet,
	// so close it here too; Serve then returns at once.
	err := s.smtp.Close()
	if lerr := s.ln.Close(); lerr != nil && err == nil && !errors.Is(lerr, net.ErrClosed) {
		err = lerr
	}
	if serveErr := <-s.served; serveErr != nil && err == nil {
		err = serveErr
	}
	if err != nil {
		return fmt.Errorf("mailtest: close: %w", err)
	}
	return nil
}

// Host is the server's IP address, "127.0.0.1".
func (s *Server) Host() string {
	host, _, _ := net.SplitHostPort(s.Addr)
	return host
}

// Port is the server's TCP port.
func (s *Server) Port() int {
	_, port, _ := net.SplitHostPort(s.Addr)
	p, _ := strconv.Atoi(port)
	return p
}

// URL is an SMTP URL for the server, as mail.ParseSMTPURL reads it, with
// the credentials of WithAuth and the TLS mode. With TLS, the client also
// needs ClientTLSConfig, which a URL cannot carry: use Config.
func (s *Server) URL() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr, RawQuery: "tls=" + string(s.opts.tlsMode)}
	if s.opts.user != "" {
		u.User = url.UserPassword(s.opts.user, s.opts.pass)
	}
	return u.String()
}

// Config is the mail.SMTPConfig that reaches this server, trusting its
// certificate when it speaks TLS.
func (s *Server) Config() mail.SMTPConfig {
	return mail.SMTPConfig{
		Host:      s.Host(),
		Port:      s.Port(),
		Username:  s.opts.user,
		Password:  s.opts.pass,
		TLS:       s.opts.tlsMode,
		TLSConfig: s.ClientTLSConfig(),
	}
}

// ClientTLSConfig trusts the server's self-signed certificate; nil when
// the server has no TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.roots == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.roots, ServerName: s.Host(), MinVersion: tls.VersionTLS12}
}

// Messages returns a copy of the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Reset forgets the messages accepted so far and any pending failure.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
	s.fail = failure{}
}

// Wait returns the accepted messages once there are at least n, or ctx's
// error (with how many arrived) when ctx ends first.
func (s *Server) Wait(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		if len(s.messages) >= n {
			msgs := append([]Message(nil), s.messages...)
			s.mu.Unlock()
			return msgs, nil
		}
		got, changed := len(s.messages), s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("mailtest: waiting for %d messages, got %d: %w", n, got, ctx.Err())
		}
	}
}

// FailNext makes the next n deliveries fail with SMTP reply code (4xx:
// temporary, 5xx: permanent) after the client sent the message content.
// It replaces any pending failure; n = 0 cancels it. It panics when code
// is not a 4xx or 5xx reply code, a mistake in the test.
func (s *Server) FailNext(n, code int) {
	s.FailNextAt(StageData, n, code)
}

// FailNextAt is FailNext at another stage of the transaction. It panics
// when code is not a 4xx or 5xx reply code, a mistake in the test.
func (s *Server) FailNextAt(stage Stage, n, code int) {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("mailtest: FailNextAt(%v, %d, %d): code must be 4xx or 5xx", stage, n, code))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = failure{n: n, code: code, stage: stage}
}

// takeFailure consumes one pending failure at stage and returns its
// error, or nil.
func (s *Server) takeFailure(stage Stage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail.n <= 0 || s.fail.stage != stage {
		return nil
	}
	s.fail.n--
	return injected(s.fail.code, stage)
}

func injected(code int, stage Stage) error {
	return &smtp.SMTPError{
		Code:         code,
		EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0},
		Message:      "mailtest: injected failure at " + stage.String(),
	}
}

// record stores an accepted message; it fails once the server is closed.
func (s *Server) record(m Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errClosed
	}
	s.messages = append(s.messages, m)
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

var errClosed = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "mailtest: server closed"}

// backend opens a session per connection.
type backend struct{ s *Server }

// NewSession starts the state of a connection.
func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s}, nil
}

// session is one SMTP connection's state.
type session struct {
	s        *Server
	authUser string
	from     string
	to       []string
	rcptErr  error // the injected RCPT failure of this transaction
}

var _ smtp.AuthSession = (*session)(nil)

// AuthMechanisms offers PLAIN when WithAuth was given.
func (ss *session) AuthMechanisms() []string {
	if ss.s.opts.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

// Auth checks PLAIN credentials against WithAuth's.
func (ss *session) Auth(mech string) (sasl.Server, error) {
	if ss.s.opts.user == "" || mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if (identity != "" && identity != user) || user != ss.s.opts.user || pass != ss.s.opts.pass {
			return smtp.ErrAuthFailed
		}
		ss.authUser = user
		return nil
	}), nil
}

// Mail starts a transaction, after authentication when it is required.
func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.opts.user != "" && ss.authUser == "" {
		return smtp.ErrAuthRequired
	}
	if err := ss.s.takeFailure(StageMail); err != nil {
		return err
	}
	ss.from = from
	return nil
}

// Rcpt adds a recipient, or refuses every recipient of a transaction hit
// by a StageRcpt failure.
func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.rcptErr == nil && len(ss.to) == 0 {
		ss.rcptErr = ss.s.takeFailure(StageRcpt)
	}
	if ss.rcptErr != nil {
		return ss.rcptErr
	}
	ss.to = append(ss.to, to)
	return nil
}

// Data reads, parses and records the message, unless a StageData failure
// refuses it.
func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) {
			return se
		}
		return fmt.Errorf("mailtest: read message: %w", err)
	}
	if err := ss.s.takeFailure(StageData); err != nil {
		return err
	}
	m := parseMessage(raw)
	m.From = ss.from
	m.To = append([]string(nil), ss.to...)
	m.AuthUser = ss.authUser
	return ss.s.record(m)
}

// Reset ends the transaction.
func (ss *session) Reset() {
	ss.from, ss.to, ss.rcptErr = "", nil, nil
}

// Logout has nothing to release.
func (ss *session) Logout() error { return nil }
