package billing

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
	"time"
)

// Object id prefixes.
const (
	PrefixMerchant      = "mch_"
	PrefixAPIKey        = "key_"
	PrefixProduct       = "prod_"
	PrefixPrice         = "price_"
	PrefixCustomer      = "cus_"
	PrefixCoupon        = "coupon_"
	PrefixPromotionCode = "promo_"
	PrefixTaxRate       = "txr_"
	PrefixAuditEntry    = "audit_"
)

// idAlphabet is Crockford's base32 in lower case. Its symbols are in ASCII
// order, so ids sort the same way as the numbers they encode.
const idAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// idState makes ids from one process strictly increasing: within one
// millisecond (or if the clock steps back) the previous random part is
// incremented instead of drawn afresh.
var idState struct {
	sync.Mutex
	ms     uint64
	hi, lo uint64 // 80 random bits: 16 in hi, 64 in lo
}

// NewID returns prefix followed by 26 characters: 10 encode the creation time
// in milliseconds and 16 encode 80 random bits. Ids of one kind therefore
// sort by creation time (strictly, among ids made by one process), which is
// what list pagination relies on: lists are ordered by id, newest first, and
// a cursor is simply an id.
func NewID(prefix string, now time.Time) string {
	ms := uint64(now.UnixMilli())
	idState.Lock()
	if ms <= idState.ms {
		ms = idState.ms
		idState.lo++
		if idState.lo == 0 {
			idState.hi = (idState.hi + 1) & 0xffff
		}
	} else {
		var r [10]byte
		_, _ = rand.Read(r[:]) // crypto/rand.Read never fails on supported platforms
		idState.ms = ms
		// Keep the top bit clear so increments within a millisecond cannot
		// wrap around and sort before earlier ids.
		idState.hi = uint64(binary.BigEndian.Uint16(r[:2])) & 0x7fff
		idState.lo = binary.BigEndian.Uint64(r[2:])
	}
	hi, lo := idState.hi, idState.lo
	idState.Unlock()

	var b [26]byte
	for i := 9; i >= 0; i-- {
		b[i] = idAlphabet[ms&31]
		ms >>= 5
	}
	// 80 bits as 16 base32 digits, most significant first.
	for i := 25; i >= 10; i-- {
		b[i] = idAlphabet[lo&31]
		lo = lo>>5 | (hi&31)<<59
		hi >>= 5
	}
	return prefix + string(b[:])
}

// IDTime returns the creation time NewID encoded in id (to the
// millisecond): the real time the object was made, even when the object
// carries a test clock's time. ok is false when id is not one of NewID's.
func IDTime(id string) (t time.Time, ok bool) {
	if len(id) < 26 {
		return time.Time{}, false
	}
	var ms int64
	for _, c := range id[len(id)-26 : len(id)-16] {
		d := strings.IndexRune(idAlphabet, c)
		if d < 0 {
			return time.Time{}, false
		}
		ms = ms<<5 | int64(d)
	}
	return time.UnixMilli(ms).UTC(), true
}
