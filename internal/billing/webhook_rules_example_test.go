package billing_test

import (
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/billing"
)

// The whole retry schedule of one message whose every attempt fails.
func ExampleNextWebhookAttempt() {
	first := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at, attempt := first, 1
	for {
		fmt.Printf("attempt %2d at +%s\n", attempt, at.Sub(first))
		next, ok := billing.NextWebhookAttempt(attempt, at)
		if !ok {
			break
		}
		at, attempt = next, attempt+1
	}
	// Output:
	// attempt  1 at +0s
	// attempt  2 at +5s
	// attempt  3 at +5m5s
	// attempt  4 at +35m5s
	// attempt  5 at +2h35m5s
	// attempt  6 at +7h35m5s
	// attempt  7 at +17h35m5s
	// attempt  8 at +27h35m5s
	// attempt  9 at +37h35m5s
	// attempt 10 at +47h35m5s
	// attempt 11 at +57h35m5s
	// attempt 12 at +67h35m5s
}
