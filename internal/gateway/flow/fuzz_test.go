package flow

import (
	"encoding/json"
	"strings"
	"testing"
)

// fuzzSeeds are answers shaped like the examples of Flow's endpoints and
// objects (https://www.flow.cl/docs/api.html), plus odd shapes a lenient
// decoder must survive: numbers sent as strings, booleans as 1/0, PHP's
// empty array where an object belongs.
var fuzzSeeds = []struct {
	status int
	body   string
}{
	{200, `{"flowOrder":3567899,"commerceOrder":"sf12377","requestDate":"2017-07-21 12:32:11","status":1,"subject":"game console","currency":"CLP","amount":12000,"payer":"pperez@gamil.com","optional":{"RUT":"7025521-9","ID":"899564778"},"pending_info":{"media":"Servipag","date":"2017-07-21 10:30:12"},"paymentData":{"date":"2017-07-21 12:32:11","media":"webpay","conversionDate":"2017-07-21","conversionRate":1.1,"amount":12000,"currency":"CLP","fee":551,"balance":11499,"transferDate":"2017-07-24"},"merchantId":"string"}`},
	{200, `{"flowOrder":"3567899","status":"2","amount":"20000.0000","pending_info":[],"paymentData":[],"optional":"{\"a\":1}","lastError":{"code":-6,"message":"Rechazo","medioCode":"x"}}`},
	{200, `{"url":"https://www.flow.cl/app/web/pay.php","token":"33373581FC32576FAF33C46FC6454B1FFEBD7E1H","flowOrder":8765456}`},
	{200, `{"url":"https://www.flow.cl/app/customer/disclaimer.php","token":"41097C28B5BD78C77F589FE4BC59E18AC333F9EU"}`},
	{200, `{"customerId":"cus_onoolldvec","created":"2017-07-21 12:33:15","email":"johndoe@flow.cl","name":"Pedro Raul Perez","pay_mode":"auto","creditCardType":"Visa","last4CardDigits":"0366","externalId":"14233531-8","status":1,"registerDate":"2017-07-21 14:22:01"}`},
	{200, `{"status":"1","customerId":"cus_onoolldvec","creditCardType":"Visa","last4CardDigits":"0366","cardNumber":"457630 **** **** 0366","issuerBank":null}`},
	{200, `{"token":"C93B4FAD6D63ED9A3F25D21E5D6DD0105ED8CAFQ","flowRefundOrder":"122767","date":"2017-07-21 12:33:15","status":"created","amount":"12000.00","fee":"240.00"}`},
	{200, `{"total":2,"hasMore":true,"data":[{}]}`},
	{200, `null`},
	{200, `[]`},
	{200, `{"amount":1e999999999,"status":"9223372036854775808"}`},
	{200, "{\"subject\":\"\xff\xfe\"}"},
	{400, `{"code":108,"message":"Invalid Signature"}`},
	{400, `{"code":"108","message":108}`},
	{401, `{"code": 401, "message": "Bad Request"}`},
	{400, `Transaction not found`},
	{500, `<html><body>500</body></html>`},
	{302, ``},
}

// FuzzDecodeResponse feeds arbitrary answers to the decoder of every
// answer type and reads every accessor: nothing may panic.
func FuzzDecodeResponse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s.status, []byte(s.body))
	}
	redact := func(s string) string { return strings.ReplaceAll(s, "secret", "[redacted]") }
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 100 + (status%500+500)%500
		}
		var (
			ps  PaymentStatus
			pr  PayResponse
			cu  Customer
			rr  RegisterResponse
			res RegisterResult
			rf  RefundStatus
		)
		for _, out := range []any{&ps, &pr, &cu, &rr, &res, &rf, nil} {
			err := decodeResponse("fuzz/service", status, body, out, redact)
			if err != nil {
				_ = err.Error()
				_ = IsOutcomeUnknown(err)
				_ = IsNotFound(err) || IsInvalidSignature(err) || IsQuotaExceeded(err) || IsAlreadyExists(err)
				if status == 200 && !IsOutcomeUnknown(err) {
					t.Fatalf("a 200 that cannot be used must be outcome-unknown: %v", err)
				}
				continue
			}
			if status != 200 {
				t.Fatalf("status %d decoded without error", status)
			}
		}
		_ = ps.State()
		for _, n := range []Number{ps.FlowOrder, ps.Status, ps.Amount, ps.PaymentData.Amount, ps.PaymentData.Fee,
			ps.PaymentData.Balance, ps.PaymentData.ConversionRate, ps.LastError.Code, pr.FlowOrder, rf.Amount, rf.Fee,
			rf.FlowRefundOrder} {
			_, _ = n.Int64()
			if _, err := json.Marshal(n); err != nil {
				t.Fatalf("marshal %q: %v", n, err)
			}
		}
		_ = pr.RedirectURL()
		_ = rr.RedirectURL()
		_ = res.Registered()
	})
}
