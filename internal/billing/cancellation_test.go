package billing

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckCancellationDetails(t *testing.T) {
	cases := []struct {
		name     string
		feedback CancellationFeedback
		comment  string
		param    string // "" = accepted
	}{
		{"nothing said", "", "", ""},
		{"every listed feedback", FeedbackLowQuality, "", ""},
		{"feedback and comment", FeedbackTooExpensive, "Muy caro para mi equipo", ""},
		{"comment at the limit", FeedbackOther, strings.Repeat("ñ", MaxCancellationComment), ""},
		{"unknown feedback", "bored", "", "cancellation_details.feedback"},
		{"system reason is not feedback", "requested_by_customer", "", "cancellation_details.feedback"},
		{"comment too long", FeedbackOther, strings.Repeat("a", MaxCancellationComment+1), "cancellation_details.comment"},
		{"comment with NUL", "", "a\x00b", "cancellation_details.comment"},
		{"comment not UTF-8", "", "\xff", "cancellation_details.comment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckCancellationDetails(c.feedback, c.comment)
			if c.param == "" {
				require.NoError(t, err)
				return
			}
			e := AsError(err)
			require.NotNil(t, e)
			require.Equal(t, c.param, e.Param)
			require.Equal(t, CodeParameterInvalid, e.Code)
		})
	}
	for _, f := range CancellationFeedbacks {
		require.NoError(t, CheckCancellationDetails(f, ""), f)
	}
}
