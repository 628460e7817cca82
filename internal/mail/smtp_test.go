package mail_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// receiptMessage renders a receipt with pdf attached and fills the envelope.
func receiptMessage(t *testing.T, pdf []byte) mail.Message {
	t.Helper()
	m, err := mail.Render(mail.KindPaymentReceipt, "es-CL", mail.PaymentReceipt{
		MerchantName:  "Agente Ñandú",
		CustomerName:  "Ana <script>x</script>",
		Amount:        "$5.000",
		InvoiceNumber: "AGE-0042",
		PaidOn:        "21 de noviembre de 2026",
		PeriodStart:   "21 de octubre de 2026",
		PeriodEnd:     "21 de noviembre de 2026",
		PortalURL:     "https://pay.example.cl/portal?c=cus_1&t=abc",
		InvoicePDF:    pdf,
	})
	require.NoError(t, err)
	m.From.Email = "no-reply@mail.example.cl"
	m.ReplyTo = mail.Address{Name: "Soporte", Email: "soporte@agente.example.cl"}
	m.To = []mail.Address{{Name: "Ana Pérez", Email: "ana@example.cl"}, {Email: "contabilidad@example.cl"}}
	m.MessageID = mail.MessageIDFor("in_42.payment_receipt", "mail.example.cl")
	m.Date = time.Date(2026, 11, 21, 17, 5, 0, 0, time.UTC)
	return m
}

func newSender(t *testing.T, cfg mail.SMTPConfig) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(cfg)
	require.NoError(t, err)
	return s
}

func TestSendDeliversEverything(t *testing.T) {
	srv := mailtest.Start(t)
	pdf := make([]byte, 64<<10)
	_, err := rand.Read(pdf)
	require.NoError(t, err)
	copy(pdf, "%PDF-1.7\n")
	m := receiptMessage(t, pdf)

	require.NoError(t, newSender(t, srv.Config()).Send(context.Background(), m))

	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	got := msgs[0]
	require.NoError(t, got.ParseErr)
	require.Equal(t, "no-reply@mail.example.cl", got.From)
	require.Equal(t, []string{"ana@example.cl", "contabilidad@example.cl"}, got.To)

	from, err := got.Header.AddressList("From")
	require.NoError(t, err)
	require.Equal(t, "Agente Ñandú", from[0].Name, "the merchant is the From display name")
	require.Equal(t, "no-reply@mail.example.cl", from[0].Address)
	to, err := got.Header.AddressList("To")
	require.NoError(t, err)
	require.Len(t, to, 2)
	require.Equal(t, "Ana Pérez", to[0].Name)
	replyTo, err := got.Header.AddressList("Reply-To")
	require.NoError(t, err)
	require.Equal(t, "soporte@agente.example.cl", replyTo[0].Address)

	require.Equal(t, m.Subject, got.Subject)
	require.Equal(t, "Recibimos tu pago de $5.000", got.Subject)
	require.Equal(t, m.MessageID, got.MessageID)
	require.Equal(t, "auto-generated", got.Header.Get("Auto-Submitted"))
	date, err := got.Header.Date()
	require.NoError(t, err)
	require.True(t, m.Date.Equal(date))

	require.Equal(t, m.Text, got.Text)
	require.Equal(t, m.HTML, got.HTML)
	require.Contains(t, got.HTML, "Ana &lt;script&gt;x&lt;/script&gt;")

	require.Len(t, got.Attachments, 1)
	require.Equal(t, "cobro-AGE-0042.pdf", got.Attachments[0].Filename)
	require.Equal(t, "application/pdf", got.Attachments[0].ContentType)
	require.Equal(t, pdf, got.Attachments[0].Data, "the PDF arrives byte-identical")
}

func TestSendTextOnlyAndHTMLOnly(t *testing.T) {
	srv := mailtest.Start(t)
	s := newSender(t, srv.Config())

	textOnly := validMessage()
	textOnly.Text = "línea 1\nlínea 2 con espacios al final   \n"
	require.NoError(t, s.Send(context.Background(), textOnly))

	htmlOnly := validMessage()
	htmlOnly.Text, htmlOnly.HTML = "", "<p>hola</p>"
	require.NoError(t, s.Send(context.Background(), htmlOnly))

	msgs := srv.Messages()
	require.Len(t, msgs, 2)
	require.Equal(t, textOnly.Text, msgs[0].Text)
	require.Empty(t, msgs[0].HTML)
	// A single-part message always ends with a line break on the wire.
	require.Equal(t, htmlOnly.HTML+"\n", msgs[1].HTML)
	require.Empty(t, msgs[1].Text)
}

func TestSendRepliesDecideTemporaryOrPermanent(t *testing.T) {
	tests := []struct {
		stage     mailtest.Stage
		code      int
		permanent bool
	}{
		{mailtest.StageData, 451, false},
		{mailtest.StageData, 452, false},
		{mailtest.StageData, 554, true},
		{mailtest.StageMail, 421, false},
		{mailtest.StageMail, 550, true},
		{mailtest.StageRcpt, 450, false},
		{mailtest.StageRcpt, 550, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.stage, tt.code), func(t *testing.T) {
			srv := mailtest.Start(t)
			srv.FailNextAt(tt.stage, 1, tt.code)
			s := newSender(t, srv.Config())
			m := receiptMessage(t, []byte("%PDF"))

			err := s.Send(context.Background(), m)
			require.Error(t, err)
			require.Equal(t, tt.permanent, mail.IsPermanent(err), "%v", err)
			require.Equal(t, !tt.permanent, mail.IsTemporary(err), "%v", err)
			var se *mail.SendError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.code, se.Code)
			require.Contains(t, err.Error(), "mailtest: injected failure")
			require.Empty(t, srv.Messages(), "a refused message is not delivered")

			// The failure is used up: the retry delivers, with the same
			// Message-ID.
			require.NoError(t, s.Send(context.Background(), m))
			msgs := srv.Messages()
			require.Len(t, msgs, 1)
			require.Equal(t, m.MessageID, msgs[0].MessageID)
		})
	}
}

func TestSendConnectionRefusedIsTemporary(t *testing.T) {
	srv, err := mailtest.New()
	require.NoError(t, err)
	cfg := srv.Config()
	require.NoError(t, srv.Close())

	err = newSender(t, cfg).Send(context.Background(), validMessage())
	require.Error(t, err)
	require.True(t, mail.IsTemporary(err))
	require.False(t, mail.IsPermanent(err))
	var se *mail.SendError
	require.ErrorAs(t, err, &se)
	require.Zero(t, se.Code)
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr)
	require.Contains(t, err.Error(), "connect to "+srv.Addr)
}

func TestSendInvalidMessageIsPermanentAndSendsNothing(t *testing.T) {
	srv := mailtest.Start(t)
	m := validMessage()
	m.To = []mail.Address{{Email: "not an address"}}
	err := newSender(t, srv.Config()).Send(context.Background(), m)
	require.ErrorIs(t, err, mail.ErrInvalidMessage)
	require.True(t, mail.IsPermanent(err))
	require.Empty(t, srv.Messages())
}

func TestSendWithAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("cuota", "p@ss word"))

	cfg, err := mail.ParseSMTPURL(srv.URL())
	require.NoError(t, err)
	require.Equal(t, "p@ss word", cfg.Password)
	require.NoError(t, newSender(t, cfg).Send(context.Background(), validMessage()))
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "cuota", msgs[0].AuthUser)

	cfg.Auth = "plain"
	require.NoError(t, newSender(t, cfg).Send(context.Background(), validMessage()))

	cfg.Auth, cfg.Password = "", "wrong"
	err = newSender(t, cfg).Send(context.Background(), validMessage())
	require.Error(t, err)
	require.True(t, mail.IsPermanent(err), "535 authentication failed is permanent: %v", err)
	var se *mail.SendError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 535, se.Code)

	noCreds := srv.Config()
	noCreds.Username, noCreds.Password = "", ""
	err = newSender(t, noCreds).Send(context.Background(), validMessage())
	require.Error(t, err)
	require.True(t, mail.IsPermanent(err), "the server wants authentication: %v", err)
	require.Len(t, srv.Messages(), 2)
}

func TestSendSTARTTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithSTARTTLS(), mailtest.WithAuth("cuota", "secret"))
	require.NoError(t, newSender(t, srv.Config()).Send(context.Background(), validMessage()))
	require.Len(t, srv.Messages(), 1)

	// Without trusting the server's certificate, the handshake fails.
	untrusted := srv.Config()
	untrusted.TLSConfig = nil
	err := newSender(t, untrusted).Send(context.Background(), validMessage())
	require.Error(t, err)
	require.Contains(t, err.Error(), "certificate")
	require.Len(t, srv.Messages(), 1)
}

func TestSendSTARTTLSRequired(t *testing.T) {
	srv := mailtest.Start(t) // offers no STARTTLS
	cfg := srv.Config()
	cfg.TLS = mail.TLSStartTLS
	err := newSender(t, cfg).Send(context.Background(), validMessage())
	require.ErrorContains(t, err, "STARTTLS")
	require.Empty(t, srv.Messages(), "never falls back to clear text")
}

func TestSendImplicitTLS(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithImplicitTLS(), mailtest.WithAuth("cuota", "secret"))
	cfg := srv.Config()
	require.Equal(t, mail.TLSImplicit, cfg.TLS)
	require.NoError(t, newSender(t, cfg).Send(context.Background(), validMessage()))
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "cuota", msgs[0].AuthUser)
}

func TestSendCanceledContext(t *testing.T) {
	srv := mailtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := newSender(t, srv.Config()).Send(ctx, validMessage())
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, mail.IsTemporary(err))
	require.Empty(t, srv.Messages())
}

// TestSendCancelUnblocksAStuckServer: a server that accepts the connection
// and never greets would hold Send for the whole timeout; canceling the
// context ends it at once.
func TestSendCancelUnblocksAStuckServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		cancel() // the client is now waiting for a greeting that never comes
		accepted <- c
	}()

	addr := ln.Addr().(*net.TCPAddr)
	s := newSender(t, mail.SMTPConfig{Host: "127.0.0.1", Port: addr.Port, TLS: mail.TLSNone, Timeout: time.Hour})
	err = s.Send(ctx, validMessage())
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, mail.IsTemporary(err))
	if c, ok := <-accepted; ok {
		_ = c.Close()
	}
}

func TestIsPermanentOnOtherErrors(t *testing.T) {
	require.False(t, mail.IsPermanent(nil))
	require.False(t, mail.IsTemporary(nil))
	require.False(t, mail.IsPermanent(errors.New("boom")))
	require.True(t, mail.IsTemporary(errors.New("boom")))
	require.True(t, mail.IsPermanent(&mail.SendError{Code: 550, Permanent: true, Err: errors.New("no such user")}))
	wrapped := errors.Join(errors.New("job"), &mail.SendError{Code: 451, Err: errors.New("try later")})
	require.True(t, mail.IsTemporary(wrapped))
	require.Equal(t, "mail: send failed (temporary, SMTP 451): try later", (&mail.SendError{Code: 451, Err: errors.New("try later")}).Error())
	require.Equal(t, "mail: send failed (permanent): bad", (&mail.SendError{Permanent: true, Err: errors.New("bad")}).Error())
}

// The sender satisfies the interface the send job depends on.
var _ mail.Sender = (*mail.SMTPSender)(nil)
