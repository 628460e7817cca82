package mailtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/mail"
	"github.com/cuota/cuota/internal/mail/mailtest"
)

// A message written by hand, so the parser is tested apart from go-mail:
// nested multiparts, quoted-printable with a soft line break, base64
// attachments named with RFC 2047 and RFC 2231, an encoded subject.
const handWritten = "From: =?utf-8?q?Tienda_=C3=91and=C3=BA?= <shop@example.cl>\r\n" +
	"To: ana@example.cl, Bob <bob@example.com>\r\n" +
	"Subject: =?utf-8?q?Recibimos_tu_pago_de_$5.000_=E2=80=94_per=C3=ADodo?=\r\n" +
	"Message-ID: <in_1.receipt@example.cl>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=\"outer\"\r\n" +
	"\r\n" +
	"preamble to ignore\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Hola Ana, tu pago de $5.000 fue recibido y este rengl=\r\n" +
	"=C3=B3n es largo.\r\n" +
	"Segunda l=C3=ADnea=20\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n" +
	"\r\n" +
	"<p>Hola Ana</p>\r\n" +
	"--inner--\r\n" +
	"--outer\r\n" +
	"Content-Type: application/pdf; name=\"=?utf-8?q?cobro-=C3=B1.pdf?=\"\r\n" +
	"Content-Disposition: attachment; filename=\"=?utf-8?q?cobro-=C3=B1.pdf?=\"\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"JVBERi0xLjcK\r\n" +
	"AP8Q\r\n" +
	"--outer\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Disposition: attachment; filename*=utf-8''notas%20de%20a%C3%B1o.txt\r\n" +
	"\r\n" +
	"texto adjunto\r\n" +
	"--outer--\r\n"

// send delivers raw with go-smtp's client, in clear text (the package's
// SendMail insists on STARTTLS), authenticating with auth when not nil.
func send(t *testing.T, srv *mailtest.Server, from string, to []string, raw string) error {
	t.Helper()
	return sendAuth(t, srv, nil, from, to, raw)
}

func sendAuth(t *testing.T, srv *mailtest.Server, auth sasl.Client, from string, to []string, raw string) error {
	t.Helper()
	c, err := smtp.Dial(srv.Addr)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	if auth != nil {
		if err := c.Auth(auth); err != nil {
			return err
		}
	}
	if err := c.SendMail(from, to, strings.NewReader(raw)); err != nil {
		return err
	}
	return c.Quit()
}

func TestParsesWhatItReceives(t *testing.T) {
	srv := mailtest.Start(t)
	require.NoError(t, send(t, srv, "bounce@example.cl", []string{"ana@example.cl", "bob@example.com"}, handWritten))

	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.NoError(t, m.ParseErr)
	require.Equal(t, "bounce@example.cl", m.From)
	require.Equal(t, []string{"ana@example.cl", "bob@example.com"}, m.To)
	require.Empty(t, m.AuthUser)
	require.Equal(t, handWritten, string(m.Raw))
	require.Equal(t, "Recibimos tu pago de $5.000 — período", m.Subject)
	require.Equal(t, "in_1.receipt@example.cl", m.MessageID)
	from, err := m.Header.AddressList("From")
	require.NoError(t, err)
	require.Equal(t, "Tienda Ñandú", from[0].Name)
	require.Equal(t, "Hola Ana, tu pago de $5.000 fue recibido y este renglón es largo.\nSegunda línea ", m.Text)
	require.Equal(t, "<p>Hola Ana</p>", m.HTML)
	require.Equal(t, []mailtest.Attachment{
		{Filename: "cobro-ñ.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7\n\x00\xff\x10")},
		{Filename: "notas de año.txt", ContentType: "text/plain", Data: []byte("texto adjunto")},
	}, m.Attachments)
}

func TestRecordsUnparsableMessages(t *testing.T) {
	srv := mailtest.Start(t)
	raw := "Subject: broken\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n"
	require.NoError(t, send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw))
	m := srv.Messages()[0]
	require.Error(t, m.ParseErr)
	require.Equal(t, "broken", m.Subject)
	require.Equal(t, raw, string(m.Raw))
}

func TestFailNext(t *testing.T) {
	srv := mailtest.Start(t)
	const raw = "Subject: x\r\n\r\nbody\r\n"
	srv.FailNext(2, 451)

	for range 2 {
		err := send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw)
		var se *smtp.SMTPError
		require.ErrorAs(t, err, &se)
		require.Equal(t, 451, se.Code)
		require.True(t, se.Temporary())
	}
	require.Empty(t, srv.Messages())
	require.NoError(t, send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw))
	require.Len(t, srv.Messages(), 1)

	srv.FailNextAt(mailtest.StageRcpt, 1, 550)
	err := send(t, srv, "a@example.cl", []string{"b@example.cl", "c@example.cl"}, raw)
	var se *smtp.SMTPError
	require.ErrorAs(t, err, &se)
	require.Equal(t, 550, se.Code)
	require.Contains(t, se.Message, "RCPT")

	srv.FailNextAt(mailtest.StageMail, 1, 421)
	err = send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw)
	require.ErrorAs(t, err, &se)
	require.Equal(t, 421, se.Code)

	srv.FailNext(5, 554)
	srv.FailNext(0, 554) // cancels
	require.NoError(t, send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw))
	require.Len(t, srv.Messages(), 2)

	require.Panics(t, func() { srv.FailNext(1, 250) })
}

func TestAuth(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("user", "pass"))
	const raw = "Subject: x\r\n\r\nbody\r\n"

	err := send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw)
	var se *smtp.SMTPError
	require.ErrorAs(t, err, &se, "unauthenticated clients are refused")
	require.Equal(t, 5, se.Code/100)

	err = sendAuth(t, srv, sasl.NewPlainClient("", "user", "wrong"), "a@example.cl", []string{"b@example.cl"}, raw)
	require.ErrorAs(t, err, &se)
	require.Equal(t, 535, se.Code)

	require.NoError(t, sendAuth(t, srv, sasl.NewPlainClient("", "user", "pass"), "a@example.cl", []string{"b@example.cl"}, raw))
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "user", msgs[0].AuthUser)
}

func TestWaitForAnotherGoroutine(t *testing.T) {
	srv := mailtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		c, err := smtp.Dial(srv.Addr)
		if err == nil {
			err = c.SendMail("a@example.cl", []string{"b@example.cl"}, strings.NewReader("Subject: async\r\n\r\nbody\r\n"))
			_ = c.Close()
		}
		if err != nil {
			cancel() // so that Wait does not wait for a message that will not come
		}
		errc <- err
	}()
	msgs, err := srv.Wait(ctx, 1)
	require.NoError(t, <-errc)
	require.NoError(t, err)
	require.Equal(t, "async", msgs[0].Subject)

	canceled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = srv.Wait(canceled, 2)
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "got 1")
}

func TestResetAndClose(t *testing.T) {
	srv, err := mailtest.New()
	require.NoError(t, err)
	const raw = "Subject: x\r\n\r\nbody\r\n"
	require.NoError(t, send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw))
	srv.FailNext(3, 451)
	srv.Reset()
	require.Empty(t, srv.Messages())
	require.NoError(t, send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw), "Reset drops pending failures")

	require.NoError(t, srv.Close())
	require.NoError(t, srv.Close(), "Close twice is fine")
	require.Len(t, srv.Messages(), 1, "messages stay readable after Close")
	err = send(t, srv, "a@example.cl", []string{"b@example.cl"}, raw)
	require.Error(t, err)
	require.Len(t, srv.Messages(), 1)
}

func TestURLAndConfig(t *testing.T) {
	srv := mailtest.Start(t, mailtest.WithAuth("u", "p/ss"))
	cfg, err := mail.ParseSMTPURL(srv.URL())
	require.NoError(t, err)
	want := srv.Config()
	want.TLSConfig = nil
	require.Equal(t, want, cfg)
	require.Equal(t, "127.0.0.1", cfg.Host)
	require.Equal(t, srv.Port(), cfg.Port)
	require.Equal(t, mail.TLSNone, cfg.TLS)
	require.Nil(t, srv.ClientTLSConfig())

	tlsSrv := mailtest.Start(t, mailtest.WithSTARTTLS())
	require.Contains(t, tlsSrv.URL(), "tls=starttls")
	require.NotNil(t, tlsSrv.ClientTLSConfig())
	require.NotNil(t, tlsSrv.Config().TLSConfig)
}

func TestStageString(t *testing.T) {
	require.Equal(t, "DATA", mailtest.StageData.String())
	require.Equal(t, "MAIL", mailtest.StageMail.String())
	require.Equal(t, "RCPT", mailtest.StageRcpt.String())
	require.Equal(t, "Stage(9)", mailtest.Stage(9).String())
}
