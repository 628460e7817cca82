package billing

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInvoiceTransitionAllowed(t *testing.T) {
	t.Parallel()
	all := []InvoiceStatus{InvoiceDraft, InvoiceOpen, InvoicePaid, InvoiceVoid, InvoiceUncollectible}
	allowed := map[[2]InvoiceStatus]bool{
		{InvoiceDraft, InvoiceOpen}: true, {InvoiceDraft, InvoicePaid}: true, {InvoiceDraft, InvoiceVoid}: true,
		{InvoiceOpen, InvoicePaid}: true, {InvoiceOpen, InvoiceVoid}: true, {InvoiceOpen, InvoiceUncollectible}: true,
		{InvoiceUncollectible, InvoiceOpen}: true, {InvoiceUncollectible, InvoicePaid}: true, {InvoiceUncollectible, InvoiceVoid}: true,
	}
	for _, from := range all {
		for _, to := range all {
			want := allowed[[2]InvoiceStatus{from, to}] || from == to
			require.Equal(t, want, InvoiceTransitionAllowed(from, to), "%s → %s", from, to)
		}
	}
	require.False(t, InvoiceTransitionAllowed("", ""), "an unknown status goes nowhere")
	require.False(t, InvoiceTransitionAllowed(InvoiceOpen, "refunded"))
}

func TestMoveInvoice(t *testing.T) {
	t.Parallel()
	inv := Invoice{ID: "in_1", Status: InvoicePaid}
	err := MoveInvoice(&inv, InvoiceOpen)
	require.Equal(t, CodeInvalidStateTransition, AsError(err).Code)
	require.Equal(t, KindConflict, AsError(err).Kind)
	require.Contains(t, AsError(err).Message, "paid")
	require.Equal(t, InvoicePaid, inv.Status, "a refused move leaves the invoice alone")

	inv.Status = InvoiceOpen
	require.NoError(t, MoveInvoice(&inv, InvoiceUncollectible))
	require.Equal(t, InvoiceUncollectible, inv.Status)
}

func TestReopenForPayment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, want InvoiceStatus
		ok         bool
	}{
		{InvoiceOpen, InvoiceOpen, true},
		{InvoiceUncollectible, InvoiceOpen, true}, // an uncollectible invoice can still be paid
		{InvoiceDraft, InvoiceDraft, false},
		{InvoicePaid, InvoicePaid, false},
		{InvoiceVoid, InvoiceVoid, false},
	} {
		inv := Invoice{ID: "in_1", Status: tc.from}
		err := ReopenForPayment(&inv)
		if tc.ok {
			require.NoError(t, err, tc.from)
		} else {
			require.Equal(t, CodeInvalidStateTransition, AsError(err).Code, tc.from)
			require.Equal(t, "cannot pay an invoice that is "+string(tc.from), AsError(err).Message)
		}
		require.Equal(t, tc.want, inv.Status, tc.from)
	}
}

func TestPaymentTransitionAllowed(t *testing.T) {
	t.Parallel()
	all := []PaymentStatus{PaymentPending, PaymentSucceeded, PaymentFailed, PaymentUnknown}
	allowed := map[[2]PaymentStatus]bool{
		{PaymentPending, PaymentPending}: true, {PaymentPending, PaymentSucceeded}: true,
		{PaymentPending, PaymentFailed}: true, {PaymentPending, PaymentUnknown}: true,
		{PaymentUnknown, PaymentUnknown}: true, {PaymentUnknown, PaymentSucceeded}: true,
		{PaymentUnknown, PaymentFailed}: true, {PaymentUnknown, PaymentPending}: true,
	}
	for _, from := range all {
		for _, to := range all {
			require.Equal(t, allowed[[2]PaymentStatus{from, to}], PaymentTransitionAllowed(from, to), "%s → %s", from, to)
		}
	}
	require.False(t, PaymentTransitionAllowed(PaymentPending, ""), "a gateway answer without a status is no settlement")

	pay := Payment{ID: "pay_1", Status: PaymentFailed}
	err := MovePayment(&pay, PaymentSucceeded)
	require.Equal(t, CodeInvalidStateTransition, AsError(err).Code, "nothing turns a failed payment into a paid one")
	require.Equal(t, PaymentFailed, pay.Status)
	pay.Status = PaymentUnknown
	require.NoError(t, MovePayment(&pay, PaymentSucceeded))
	require.Equal(t, PaymentSucceeded, pay.Status)
}

func TestCanCharge(t *testing.T) {
	t.Parallel()
	pay := func(s PaymentStatus) *Payment { return &Payment{Status: s} }
	for _, tc := range []struct {
		name   string
		status InvoiceStatus
		due    int64
		latest *Payment
		want   ChargeVerdict
	}{
		{"open, never charged", InvoiceOpen, 5000, nil, ChargeAllowed},
		{"uncollectible can still be paid", InvoiceUncollectible, 5000, nil, ChargeAllowed},
		{"after a failed attempt", InvoiceOpen, 5000, pay(PaymentFailed), ChargeAllowed},
		{"pending payment", InvoiceOpen, 5000, pay(PaymentPending), ChargeUnresolved},
		{"unknown payment", InvoiceUncollectible, 5000, pay(PaymentUnknown), ChargeUnresolved},
		{"unresolved comes before the status", InvoiceVoid, 5000, pay(PaymentUnknown), ChargeUnresolved},
		{"draft", InvoiceDraft, 5000, nil, ChargeNotPayable},
		{"paid", InvoicePaid, 5000, pay(PaymentSucceeded), ChargeNotPayable},
		{"void", InvoiceVoid, 5000, nil, ChargeNotPayable},
		{"nothing due", InvoiceOpen, 0, nil, ChargeNothingDue},
		{"credit", InvoiceOpen, -100, pay(PaymentFailed), ChargeNothingDue},
	} {
		inv := Invoice{Status: tc.status, AmountDue: tc.due}
		require.Equal(t, tc.want, CanCharge(inv, tc.latest), tc.name)
	}
}

func TestLatestPayment(t *testing.T) {
	t.Parallel()
	require.Nil(t, LatestPayment(nil))
	l := []Payment{{ID: "pay_2"}, {ID: "pay_1"}}
	require.Equal(t, "pay_2", LatestPayment(l).ID)
}
