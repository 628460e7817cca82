package webhookout

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPublicAddr(t *testing.T) {
	for _, s := range []string{
		"8.8.8.8", "1.1.1.1", "93.184.215.14", "200.1.123.4",
		"2606:4700:4700::1111", "2a00:1450:4001:82b::200e",
		"::ffff:8.8.8.8",   // IPv4-mapped public
		"64:ff9b::808:808", // NAT64 of 8.8.8.8
		"100.63.255.255",   // just below carrier-grade NAT
		"172.32.0.1",       // just above 172.16/12
	} {
		require.True(t, publicAddr(netip.MustParseAddr(s)), s)
	}
	for _, s := range []string{
		"127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "0.1.2.3",
		"10.0.0.1", "172.16.5.4", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", // cloud metadata
		"100.64.0.1", "100.127.255.254",
		"192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9",
		"224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
		"fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "fec0::1", "ff02::1",
		"2001:db8::1", "2001::1", "2002:7f00:1::1", "100::1", "3fff::1",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::127.0.0.1",
		"64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::1",
	} {
		require.False(t, publicAddr(netip.MustParseAddr(s)), s)
	}
}

func TestGuardDial(t *testing.T) {
	require.NoError(t, guardDial(context.Background(), "tcp4", "8.8.8.8:443", nil))
	require.NoError(t, guardDial(context.Background(), "tcp6", "[2606:4700:4700::1111]:443", nil))
	require.ErrorIs(t, guardDial(context.Background(), "tcp4", "127.0.0.1:80", nil), ErrBlockedAddress)
	require.ErrorIs(t, guardDial(context.Background(), "tcp6", "[::1]:80", nil), ErrBlockedAddress)
	require.ErrorIs(t, guardDial(context.Background(), "tcp", "not-an-address", nil), ErrBlockedAddress)
}

func TestClassify(t *testing.T) {
	live := context.Background()
	canceled, cancel := context.WithCancel(live)
	cancel()
	op := func(err error) error { return &net.OpError{Op: "dial", Net: "tcp", Err: err} }
	for _, c := range []struct {
		ctx  context.Context
		err  error
		tls  bool
		want ErrorKind
	}{
		{live, op(fmt.Errorf("%w: 10.0.0.1", ErrBlockedAddress)), false, ErrorBlocked},
		{canceled, context.Canceled, false, ErrorCanceled},
		{live, op(&net.DNSError{Err: "no such host", Name: "nope.example", IsNotFound: true}), false, ErrorDNS},
		{live, op(os.NewSyscallError("connect", syscall.ECONNREFUSED)), false, ErrorConnectionRefused},
		{live, context.DeadlineExceeded, false, ErrorTimeout},
		{live, op(os.ErrDeadlineExceeded), false, ErrorTimeout},
		{live, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, false, ErrorTLS},
		{live, x509.HostnameError{Host: "example.com", Certificate: &x509.Certificate{}}, false, ErrorTLS},
		{live, x509.CertificateInvalidError{Reason: x509.Expired}, false, ErrorTLS},
		{live, tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, false, ErrorTLS},
		{live, op(errors.New("remote error: tls: protocol version not supported")), true, ErrorTLS},
		{live, op(os.NewSyscallError("read", syscall.ECONNRESET)), false, ErrorConnection},
		{live, errors.New("EOF"), false, ErrorConnection},
	} {
		require.Equal(t, c.want, classify(c.ctx, c.err, c.tls), "%v", c.err)
	}
}

func TestClip(t *testing.T) {
	require.Equal(t, "abc", clip("abc", 3))
	require.Equal(t, "ab…", clip("abc", 2))
	require.Equal(t, "a…", clip("aé", 2))
}

func TestDeliverHidesResolver(t *testing.T) {
	// A dialer that fails like a resolver would, without touching the network.
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{
				Err: "no such host", Name: "hooks.example.com", Server: "10.255.255.53:53", IsNotFound: true,
			}}
		},
	}}
	secret, err := NewSecret()
	require.NoError(t, err)
	res := Deliver(t.Context(), client, Request{
		URL: "https://hooks.example.com/cuota", ID: "evt_1", Timestamp: time.Now(), Body: []byte("{}"), Secrets: []string{secret},
	})
	require.Equal(t, ErrorDNS, res.Kind)
	require.ErrorContains(t, res.Err, "hooks.example.com")
	require.NotContains(t, res.Err.Error(), "10.255.255.53")
	var dnsErr *net.DNSError
	require.ErrorAs(t, res.Err, &dnsErr)
	require.True(t, dnsErr.IsNotFound)
}
