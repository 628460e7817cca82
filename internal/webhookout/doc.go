// Package webhookout signs and delivers cuota's outgoing webhooks to
// merchants' endpoints, following the Standard Webhooks specification
// (https://www.standardwebhooks.com/): the webhook-id, webhook-timestamp and
// webhook-signature headers, HMAC-SHA256 over "id.timestamp.body" keyed with a
// "whsec_" secret, and several signatures side by side while a secret is
// being rotated.
//
// It holds no storage and no queue. It gives the pieces the delivery job
// and the API are built from:
//
//   - NewSecret and ParseSecret make and check endpoint secrets.
//   - Sign and Headers sign a message; Verify checks one (for merchants'
//     tests and ours).
//   - Deliver makes exactly one HTTP attempt and reports what happened,
//     classified; NewClient builds an HTTP client that refuses private and
//     loopback addresses (for live mode).
//
// The retry schedule and the rule that turns off a failing endpoint are
// billing's (billing.NextWebhookAttempt, billing.ShouldDisableEndpoint).
//
// The README next to this file shows merchants how to verify a delivery.
package webhookout
