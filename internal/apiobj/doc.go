// Package apiobj holds the API's JSON shapes of cuota's objects and the
// functions that render billing values in them. The REST API (httpapi)
// answers with these shapes, and event rendering (an event's data.object and
// previous_attributes, and so every webhook payload) uses the same ones, so
// that a webhook receiver sees an object exactly as GET /v1/{objects}/{id}
// shows it. It sits apart from httpapi so that the jobs that deliver
// webhooks need not depend on the HTTP transport.
//
// Times are Unix seconds; amounts are integers of minor units with an ISO
// 4217 currency code.
package apiobj
