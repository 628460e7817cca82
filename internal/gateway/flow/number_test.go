package flow_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/cuota/cuota/internal/gateway/flow"
)

func TestNumberDecoding(t *testing.T) {
	tests := []struct {
		json   string
		text   string
		want   int64
		wantOK bool
	}{
		{`5000`, "5000", 5000, true},
		{`"5000"`, "5000", 5000, true},
		{`" 5000 "`, "5000", 5000, true},
		{`"12000.00"`, "12000.00", 12000, true},
		{`"20000.0000"`, "20000.0000", 20000, true},
		{`1.2e3`, "1.2e3", 1200, true},
		{`-3`, "-3", -3, true},
		{`"0"`, "0", 0, true},
		{`true`, "1", 1, true},
		{`false`, "0", 0, true},
		{`null`, "", 0, false},
		{`""`, "", 0, false},
		{`"12.5"`, "12.5", 0, false},
		{`"abc"`, "abc", 0, false},
		{`"0x10"`, "0x10", 0, false},
		{`"NaN"`, "NaN", 0, false},
		{`"1e999999"`, "1e999999", 0, false},
		{`1e400`, "1e400", 0, false},
		{`9223372036854775807`, "9223372036854775807", 9223372036854775807, true},
		{`9223372036854775808`, "9223372036854775808", 0, false},
		{`"0.000e5"`, "0.000e5", 0, true},
		{`{"a":1}`, `{"a":1}`, 0, false},
		{`[1, 2]`, `[1,2]`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			var n flow.Number
			require.NoError(t, json.Unmarshal([]byte(tt.json), &n))
			require.Equal(t, tt.text, n.String())
			v, err := n.Int64()
			if !tt.wantOK {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, v)
		})
	}
}

func TestNumberMarshal(t *testing.T) {
	b, err := json.Marshal(struct {
		A, B, C flow.Number
	}{flow.NumberFromInt(42), "", "12000.00x"})
	require.NoError(t, err)
	require.JSONEq(t, `{"A":42,"B":null,"C":"12000.00x"}`, string(b))
}

func TestTextDecoding(t *testing.T) {
	tests := map[string]string{
		`"cus_onoolldvec"`: "cus_onoolldvec",
		`1883`:             "1883",
		`1`:                "1",
		`null`:             "",
		`true`:             "true",
		`{"a": "b"}`:       `{"a":"b"}`,
	}
	for in, want := range tests {
		var s flow.Text
		require.NoError(t, json.Unmarshal([]byte(in), &s), in)
		require.Equal(t, want, s.String(), in)
	}
}

func TestPaymentStatusLenientShapes(t *testing.T) {
	// Mixed types, PHP's [] for empty objects, optional as an object.
	body := `{"flowOrder":"3567899","commerceOrder":1883,"requestDate":"2017-07-21 12:32:11",
	"status":"2","subject":"game console","currency":"CLP","amount":"20000.0000","payer":"pperez@gamil.com",
	"optional":{"RUT":"7025521-9","ID":"899564778"},"pending_info":[],"paymentData":{"date":"2017-07-21 12:32:11",
	"media":"webpay","amount":"20000","fee":"1190.00","balance":18810,"transferDate":"2017-07-24"},
	"merchantId":null,"lastError":""}`
	var p flow.PaymentStatus
	require.NoError(t, json.Unmarshal([]byte(body), &p))
	require.Equal(t, flow.PaymentPaid, p.State())
	fo, err := p.FlowOrder.Int64()
	require.NoError(t, err)
	require.EqualValues(t, 3567899, fo)
	require.Equal(t, "1883", p.CommerceOrder.String())
	amount, err := p.Amount.Int64()
	require.NoError(t, err)
	require.EqualValues(t, 20000, amount)
	fee, err := p.PaymentData.Fee.Int64()
	require.NoError(t, err)
	require.EqualValues(t, 1190, fee)
	require.JSONEq(t, `{"RUT":"7025521-9","ID":"899564778"}`, string(p.Optional))
	require.Equal(t, flow.PendingInfo{}, p.PendingInfo)
	require.Equal(t, flow.LastError{}, p.LastError)
}
