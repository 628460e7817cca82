package webhookout

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// ErrBlockedAddress is returned, wrapped, when a live-mode client refuses
// to connect to an address that is not on the public internet (loopback,
// private, link-local — including cloud metadata at 169.254.169.254 —,
// carrier-grade NAT, multicast, documentation and other reserved ranges).
// Deliver reports it as ErrorBlocked.
var ErrBlockedAddress = errors.New("address not allowed for webhook delivery")

// reserved lists the ranges that IsGlobalUnicast and IsPrivate do not
// already exclude but that no merchant endpoint lives in.
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",       // "this network"
		"100.64.0.0/10",   // carrier-grade NAT, often internal cloud services
		"192.0.0.0/24",    // IETF protocol assignments
		"192.0.2.0/24",    // documentation (TEST-NET-1)
		"192.88.99.0/24",  // deprecated 6to4 relay anycast
		"198.18.0.0/15",   // benchmarking
		"198.51.100.0/24", // documentation (TEST-NET-2)
		"203.0.113.0/24",  // documentation (TEST-NET-3)
		"240.0.0.0/4",     // reserved, and the broadcast address
		"::/96",           // unspecified, loopback, IPv4-compatible
		"64:ff9b:1::/48",  // local-use NAT64
		"100::/64",        // discard-only
		"2001::/23",       // IETF protocol assignments, Teredo
		"2001:db8::/32",   // documentation
		"2002::/16",       // 6to4, which tunnels to an embedded IPv4 address
		"3fff::/20",       // documentation
		"5f00::/16",       // segment routing
		"fec0::/10",       // deprecated site-local
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
// address in their last four bytes, which is judged instead.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// publicAddr reports whether a is an address a live-mode webhook may be
// sent to: a global unicast address outside the private and reserved
// ranges.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		return publicAddr(netip.AddrFrom4([4]byte(b[12:])))
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// guardDial is a net.Dialer ControlContext hook. It runs after name
// resolution, just before each connect, on the very address being dialled,
// so a host name that resolves (or later rebinds) to a private address is
// refused too.
func guardDial(_ context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %s address %q: %w", ErrBlockedAddress, network, address, err)
	}
	if !publicAddr(ap.Addr()) {
		return fmt.Errorf("%w: %s is not a public address", ErrBlockedAddress, ap.Addr())
	}
	return nil
}
