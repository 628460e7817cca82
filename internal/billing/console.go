package billing

import "time"

// The merchant's console (docs/console.md) is used by the merchant's people:
// users, each with one role, signed in with a password (and optionally a
// TOTP code) into a session kept in the database.

// Id prefixes of the console's objects.
const (
	PrefixUser       = "usr_"
	PrefixSession    = "sess_"
	PrefixInvitation = "uinv_"
)

// Role is what a merchant's user may do in the console. Each role may do
// everything the one before it may, and more.
type Role string

// The roles, from the least to the most allowed.
const (
	RoleViewer  Role = "viewer"
	RoleSupport Role = "support"
	RoleAdmin   Role = "admin"
	RoleOwner   Role = "owner"
)

// Roles lists the roles from the least to the most allowed.
func Roles() []Role { return []Role{RoleViewer, RoleSupport, RoleAdmin, RoleOwner} }

// Valid reports whether r is one of the roles.
func (r Role) Valid() bool {
	for _, v := range Roles() {
		if r == v {
			return true
		}
	}
	return false
}

// Permission is one kind of action in the console.
type Permission string

// The console's permissions. PermRead is every page; the others are the
// actions that change something.
const (
	PermRead         Permission = "read"          // see every page
	PermRefund       Permission = "refund"        // refund payments
	PermCancel       Permission = "cancel"        // cancel subscriptions
	PermPause        Permission = "pause"         // pause and resume subscriptions
	PermRetryPayment Permission = "retry_payment" // retry an invoice's payment now
	PermPortalLink   Permission = "portal_link"   // make a customer portal link
	PermVoidInvoice  Permission = "void_invoice"  // void an invoice or mark it uncollectible
	PermCatalog      Permission = "catalog"       // products, prices, coupons
	PermDunning      Permission = "dunning"       // the dunning policy
	PermGateways     Permission = "gateways"      // gateway credentials
	PermProfile      Permission = "profile"       // the merchant's profile, locale and time zone
	PermWebhooks     Permission = "webhooks"      // webhook endpoints
	PermAPIKeys      Permission = "api_keys"      // create and revoke API keys
	PermManageUsers  Permission = "manage_users"  // invite, change roles, remove users
	PermSwitchMode   Permission = "switch_mode"   // switch between test and live data
	PermOwnSecurity  Permission = "own_security"  // the user's own second factor
	// PermAlerts is acknowledging the merchant's alerts: whoever handles
	// a problem says they saw it, so support and above.
	PermAlerts Permission = "acknowledge_alerts"
)

// rolePermissions is the one table of what each role may do: viewer reads;
// support also refunds, cancels, pauses, retries payments, makes portal
// links, voids invoices or marks them uncollectible and acknowledges
// alerts; admin also configures the catalog, dunning, gateways, webhooks,
// API keys and the merchant's profile; owner also manages users.
var rolePermissions = map[Role][]Permission{
	RoleViewer: {PermRead, PermSwitchMode, PermOwnSecurity},
	RoleSupport: {PermRead, PermSwitchMode, PermOwnSecurity, PermRefund, PermCancel, PermPause, PermRetryPayment, PermPortalLink,
		PermVoidInvoice, PermAlerts},
	RoleAdmin: {PermRead, PermSwitchMode, PermOwnSecurity, PermRefund, PermCancel, PermPause, PermRetryPayment, PermPortalLink,
		PermVoidInvoice, PermAlerts, PermCatalog, PermDunning, PermGateways, PermWebhooks, PermAPIKeys, PermProfile},
	RoleOwner: {PermRead, PermSwitchMode, PermOwnSecurity, PermRefund, PermCancel, PermPause, PermRetryPayment, PermPortalLink,
		PermVoidInvoice, PermAlerts, PermCatalog, PermDunning, PermGateways, PermWebhooks, PermAPIKeys, PermProfile, PermManageUsers},
}

// Allows reports whether role r may do p. An unknown role may do nothing.
func (r Role) Allows(p Permission) bool {
	for _, q := range rolePermissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// User is a person of a merchant who signs in to the console. Email is
// unique across cuota (the sign-in page asks for nothing else) and kept
// in lower case.
type User struct {
	ID           string    `json:"id"`
	MerchantID   string    `json:"merchant_id"`
	Email        string    `json:"email"`
	Role         Role      `json:"role"`
	PasswordHash string    `json:"-"` // PHC-encoded argon2id
	Locale       string    `json:"locale"`
	TOTPSecret   []byte    `json:"-"` // sealed; nil without a second factor
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// HasTOTP reports whether the user signs in with a second factor.
func (u User) HasTOTP() bool { return len(u.TOTPSecret) > 0 }

// Session is a signed-in browser. Only the SHA-256 of its random token is
// stored; the token itself lives in the browser's cookie.
type Session struct {
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	MerchantID string     `json:"merchant_id"`
	Hash       string     `json:"-"`
	Mode       Mode       `json:"mode"` // the data the console shows (test or live)
	Created    time.Time  `json:"created"`
	LastSeen   time.Time  `json:"last_seen"`
	Revoked    *time.Time `json:"revoked"`
}

// Session lifetimes: a session ends after SessionIdleTimeout without a
// request, and SessionMaxAge after sign-in whatever happens.
const (
	SessionIdleTimeout = 2 * time.Hour
	SessionMaxAge      = 12 * time.Hour
	// SessionTouchEvery bounds how often a session's last use is written.
	SessionTouchEvery = time.Minute
)

// SessionActive reports whether s may still be used at now: not revoked,
// used within SessionIdleTimeout and younger than SessionMaxAge.
func SessionActive(s Session, now time.Time) bool {
	if s.Revoked != nil {
		return false
	}
	if !now.Before(s.LastSeen.Add(SessionIdleTimeout)) {
		return false
	}
	return now.Before(s.Created.Add(SessionMaxAge))
}

// Invitation lets the person holding its link become a user of a merchant
// with a role. It is used once and expires after InvitationLifetime; only
// the SHA-256 of its token is stored.
type Invitation struct {
	ID         string     `json:"id"`
	MerchantID string     `json:"merchant_id"`
	Email      string     `json:"email"`
	Role       Role       `json:"role"`
	Hash       string     `json:"-"`
	InvitedBy  string     `json:"invited_by"`
	Created    time.Time  `json:"created"`
	Expires    time.Time  `json:"expires"`
	Used       *time.Time `json:"used"`
}

// InvitationLifetime is how long an invitation link may be used.
const InvitationLifetime = 72 * time.Hour

// InvitationUsable reports whether inv can still be accepted at now.
func InvitationUsable(inv Invitation, now time.Time) bool {
	return inv.Used == nil && now.Before(inv.Expires)
}

// MinPasswordLength is the shortest password a user may have, counted in
// characters.
const MinPasswordLength = 12

// MaxPasswordLength bounds a password (in bytes), so hashing a request's
// password costs a bounded amount of work.
const MaxPasswordLength = 256
