package mail_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/mail"
)

func validMessage() mail.Message {
	return mail.Message{
		MessageID: "in_1.payment_receipt@mail.example.cl",
		From:      mail.Address{Name: "Agente", Email: "no-reply@mail.example.cl"},
		To:        []mail.Address{{Name: "Ana", Email: "ana@example.cl"}},
		Subject:   "Hola",
		Text:      "texto\n",
	}
}

func TestMessageValidate(t *testing.T) {
	require.NoError(t, validMessage().Validate())

	tests := []struct {
		name   string
		change func(*mail.Message)
		msg    string
	}{
		{"no Message-ID", func(m *mail.Message) { m.MessageID = "" }, "no Message-ID"},
		{"Message-ID without @", func(m *mail.Message) { m.MessageID = "abc" }, "left@right"},
		{"Message-ID with space", func(m *mail.Message) { m.MessageID = "a b@c" }, "space"},
		{"Message-ID with line break", func(m *mail.Message) { m.MessageID = "a@b\r\nBcc: x" }, "control"},
		{"no from", func(m *mail.Message) { m.From.Email = "" }, "from has no email address"},
		{"from with a name in the address", func(m *mail.Message) { m.From.Email = "Agente <a@b.cl>" }, "not a plain email address"},
		{"from name with line break", func(m *mail.Message) { m.From.Name = "A\r\nBcc: x@y.z" }, "line break"},
		{"bad reply-to", func(m *mail.Message) { m.ReplyTo = mail.Address{Name: "Soporte"} }, "reply-to"},
		{"no recipient", func(m *mail.Message) { m.To = nil }, "no recipient"},
		{"bad recipient", func(m *mail.Message) { m.To = append(m.To, mail.Address{Email: "not-an-address"}) }, "to[1]"},
		{"empty subject", func(m *mail.Message) { m.Subject = " " }, "empty subject"},
		{"subject with line break", func(m *mail.Message) { m.Subject = "a\nBcc: x@y.z" }, "line break"},
		{"no body", func(m *mail.Message) { m.Text = "" }, "no text or HTML"},
		{"attachment without name", func(m *mail.Message) { m.Attachments = []mail.Attachment{{Data: []byte("x")}} }, "no filename"},
		{"attachment with path", func(m *mail.Message) { m.Attachments = []mail.Attachment{{Filename: "a/b.pdf"}} }, "slash"},
		{"attachment with bad type", func(m *mail.Message) {
			m.Attachments = []mail.Attachment{{Filename: "a.pdf", ContentType: "application/pdf; ="}}
		}, "content type"},
		{"reserved header", func(m *mail.Message) { m.Headers = map[string]string{"message-id": "<x@y>"} }, "set from the message's fields"},
		{"header name not a token", func(m *mail.Message) { m.Headers = map[string]string{"X Bad": "v"} }, "not a token"},
		{"header value with line break", func(m *mail.Message) { m.Headers = map[string]string{"X-Tag": "a\r\nBcc: x@y.z"} }, "line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validMessage()
			tt.change(&m)
			err := m.Validate()
			require.ErrorIs(t, err, mail.ErrInvalidMessage)
			require.ErrorContains(t, err, tt.msg)
			require.True(t, mail.IsPermanent(err), "an invalid message is never worth retrying")
		})
	}

	m := validMessage()
	m.Text, m.HTML = "", "<p>hola</p>"
	m.MessageID = "<in_1@mail.example.cl>" // brackets are tolerated
	m.ReplyTo = mail.Address{Email: "soporte@example.cl"}
	m.Headers = map[string]string{"X-Cuota-Email": "em_1"}
	require.NoError(t, m.Validate())
}

func TestMessageIDFor(t *testing.T) {
	require.Equal(t, "in_123.payment_receipt@mail.example.cl", mail.MessageIDFor("in_123.payment_receipt", "mail.example.cl"))
	require.Equal(t, "in_123-2@cuota.invalid", mail.MessageIDFor("in_123-2", ""))
	require.Equal(t, "in_123-2@cuota.invalid", mail.MessageIDFor("in_123-2", "bad domain"))

	hashed := mail.MessageIDFor("in_1 payment <failed>", "mail.example.cl")
	require.Equal(t, hashed, mail.MessageIDFor("in_1 payment <failed>", "mail.example.cl"), "deterministic")
	require.NotEqual(t, hashed, mail.MessageIDFor("in_2 payment <failed>", "mail.example.cl"))
	require.True(t, strings.HasSuffix(hashed, "@mail.example.cl"))
	require.NotContains(t, hashed, " ")

	for _, key := range []string{"", ".a", "a.", "a..b", strings.Repeat("x", 65), "ñandú", "a@b"} {
		id := mail.MessageIDFor(key, "example.cl")
		m := validMessage()
		m.MessageID = id
		require.NoError(t, m.Validate(), "key %q gave %q", key, id)
	}
}

func TestAddressString(t *testing.T) {
	require.Equal(t, `"Agente" <a@b.cl>`, mail.Address{Name: "Agente", Email: "a@b.cl"}.String())
	require.Equal(t, "<a@b.cl>", mail.Address{Email: "a@b.cl"}.String())
	require.Equal(t, "=?utf-8?q?Tienda_=C3=91and=C3=BA?= <a@b.cl>", mail.Address{Name: "Tienda Ñandú", Email: "a@b.cl"}.String())
}
