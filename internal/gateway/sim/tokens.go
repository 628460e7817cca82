package sim

import (
	"strings"

	"github.com/cuota/cuota/internal/billing"
)

// refPrefix starts the reference AttachToken gives each attachment.
const refPrefix = "simpm_"

// tokenName returns the test token behind a payment method's Token: either
// an attached reference "simpm_<id>:<token>" (the usual form, made by
// AttachToken) or, for convenience in tests, a bare token name. ok is false
// for anything else.
func tokenName(ref string) (string, bool) {
	name := ref
	if i := strings.LastIndexByte(ref, ':'); i >= 0 {
		id := ref[:i]
		if len(id) <= len(refPrefix) || !strings.HasPrefix(id, refPrefix) {
			return "", false
		}
		name = ref[i+1:]
	}
	if _, ok := billing.LookupSimToken(name); !ok {
		return "", false
	}
	return name, true
}
