package apiobj

import "github.com/cuota/cuota/internal/billing"

// MRRMovementsJSON is a period's MRR movements (docs/analytics.md):
// amounts in minor units, contraction and churn negative, with the number
// of customers behind each.
type MRRMovementsJSON struct {
	New                  int64 `json:"new"`
	Expansion            int64 `json:"expansion"`
	Contraction          int64 `json:"contraction"`
	Churn                int64 `json:"churn"`
	Reactivation         int64 `json:"reactivation"`
	Net                  int64 `json:"net" doc:"The sum of the movements: end MRR less start MRR."`
	NewCustomers         int64 `json:"new_customers"`
	ExpansionCustomers   int64 `json:"expansion_customers"`
	ContractionCustomers int64 `json:"contraction_customers"`
	ChurnedCustomers     int64 `json:"churned_customers"`
	ReactivatedCustomers int64 `json:"reactivated_customers"`
}

// MRRPeriodJSON is one period of an MRR report.
type MRRPeriodJSON struct {
	Month              string           `json:"month,omitempty" doc:"YYYY-MM in the merchant's time zone (series only)."`
	Start              int64            `json:"start"`
	End                int64            `json:"end" doc:"Exclusive; the last month of a series ends just after as_of."`
	StartMRR           int64            `json:"start_mrr"`
	EndMRR             int64            `json:"end_mrr"`
	StartSubscriptions int64            `json:"start_subscriptions"`
	EndSubscriptions   int64            `json:"end_subscriptions"`
	StartCustomers     int64            `json:"start_customers"`
	EndCustomers       int64            `json:"end_customers"`
	Movements          MRRMovementsJSON `json:"movements"`
}

// MRRPeriod renders one period of an MRR report (month is its label, ""
// for none).
func MRRPeriod(month string, p billing.MRRPeriod) MRRPeriodJSON {
	m := p.Movements
	return MRRPeriodJSON{Month: month, Start: p.Start.Unix(), End: p.End.Unix(), StartMRR: p.StartMRR, EndMRR: p.EndMRR,
		StartSubscriptions: p.StartSubscriptions, EndSubscriptions: p.EndSubscriptions,
		StartCustomers: p.StartCustomers, EndCustomers: p.EndCustomers,
		Movements: MRRMovementsJSON{New: m.New, Expansion: m.Expansion, Contraction: m.Contraction, Churn: m.Churn,
			Reactivation: m.Reactivation, Net: m.Net(), NewCustomers: m.NewCustomers,
			ExpansionCustomers: m.ExpansionCustomers, ContractionCustomers: m.ContractionCustomers,
			ChurnedCustomers: m.ChurnedCustomers, ReactivatedCustomers: m.ReactivatedCustomers}}
}

// MRRReportJSON is an MRR series.
type MRRReportJSON struct {
	Object   string          `json:"object" enum:"analytics.mrr"`
	Livemode bool            `json:"livemode"`
	Currency string          `json:"currency"`
	Timezone string          `json:"timezone"`
	AsOf     int64           `json:"as_of"`
	Months   []MRRPeriodJSON `json:"months"`
}

// SummaryJSON is a period's figures. Rates are basis points (10000 =
// 100 %), null when there was nothing to measure.
type SummaryJSON struct {
	Object            string        `json:"object" enum:"analytics.summary"`
	Livemode          bool          `json:"livemode"`
	Currency          string        `json:"currency"`
	Timezone          string        `json:"timezone"`
	From              int64         `json:"from"`
	To                int64         `json:"to"`
	MRR               MRRPeriodJSON `json:"mrr"`
	LogoChurnBP       *int64        `json:"logo_churn_bp"`
	RevenueChurnBP    *int64        `json:"revenue_churn_bp"`
	NetRevenueChurnBP *int64        `json:"net_revenue_churn_bp"`
	ARPA              *int64        `json:"arpa"`

	PaymentsSucceeded  int64  `json:"payments_succeeded"`
	PaymentsFailed     int64  `json:"payments_failed"`
	PaymentSuccessBP   *int64 `json:"payment_success_bp"`
	RevenueCollected   int64  `json:"revenue_collected"`
	Refunds            int64  `json:"refunds"`
	RefundedAmount     int64  `json:"refunded_amount"`
	NetRevenue         int64  `json:"net_revenue"`
	RecoveredRenewals  int64  `json:"recovered_renewals"`
	RecoveredAmount    int64  `json:"recovered_amount"`
	TrialsEnded        int64  `json:"trials_ended"`
	TrialsConverted    int64  `json:"trials_converted"`
	TrialConversionBP  *int64 `json:"trial_conversion_bp"`
	CheckoutsStarted   int64  `json:"checkouts_started" doc:"Checkout sessions of every currency."`
	CheckoutsCompleted int64  `json:"checkouts_completed"`
	CheckoutConversion *int64 `json:"checkout_conversion_bp"`
}
