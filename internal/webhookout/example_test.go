package webhookout_test

import (
	"fmt"
	"time"

	"github.com/cuota/cuota/internal/webhookout"
)

// A receiver checks a delivery with the endpoint's secret, the raw body and
// the request headers.
func ExampleVerify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"test": 2432232314}`)
	sent := time.Unix(1614265330, 0)

	headers, err := webhookout.Headers([]string{secret}, "msg_p5jXN8AQM9LWM0D4loKWxJek", sent, body)
	if err != nil {
		panic(err)
	}
	fmt.Println(headers.Get(webhookout.HeaderSignature))

	// On the receiving side, with its own clock (here ten seconds later).
	err = webhookout.Verify([]string{secret}, headers, body, sent.Add(10*time.Second), webhookout.DefaultTolerance)
	fmt.Println("verified:", err == nil)

	// Replayed an hour later.
	err = webhookout.Verify([]string{secret}, headers, body, sent.Add(time.Hour), webhookout.DefaultTolerance)
	fmt.Println(err)
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// verified: true
	// webhookout: verify: webhook timestamp too old: sent 1h0m0s before now, tolerance 5m0s
}

// The whole retry schedule of one message whose every attempt fails.
func ExampleNextAttempt() {
	first := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at, attempt := first, 1
	for {
		fmt.Printf("attempt %2d at +%s\n", attempt, at.Sub(first))
		next, ok := webhookout.NextAttempt(attempt, at)
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
