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
