package billing

import "unicode/utf8"

// CancellationFeedback is what the customer said about why they cancel,
// chosen from a fixed list so merchants can count the answers (Stripe's
// cancellation_details.feedback). It is kept beside CancellationReason,
// which says who or what ended the subscription.
type CancellationFeedback string

// The feedback values, in the order forms offer them.
const (
	FeedbackTooExpensive    CancellationFeedback = "too_expensive"
	FeedbackMissingFeatures CancellationFeedback = "missing_features"
	FeedbackSwitchedService CancellationFeedback = "switched_service"
	FeedbackUnused          CancellationFeedback = "unused"
	FeedbackCustomerService CancellationFeedback = "customer_service"
	FeedbackTooComplex      CancellationFeedback = "too_complex"
	FeedbackLowQuality      CancellationFeedback = "low_quality"
	FeedbackOther           CancellationFeedback = "other"
)

// CancellationFeedbacks lists every valid feedback, in the order forms
// offer them.
var CancellationFeedbacks = []CancellationFeedback{
	FeedbackTooExpensive, FeedbackMissingFeatures, FeedbackSwitchedService, FeedbackUnused,
	FeedbackCustomerService, FeedbackTooComplex, FeedbackLowQuality, FeedbackOther,
}

// Valid reports whether f is one of CancellationFeedbacks.
func (f CancellationFeedback) Valid() bool {
	for _, v := range CancellationFeedbacks {
		if f == v {
			return true
		}
	}
	return false
}

// MaxCancellationComment is how many characters the customer's free-text
// comment on a cancellation may have: room for a few sentences, not a
// document.
const MaxCancellationComment = 500

// CheckCancellationDetails validates what a customer says when canceling:
// feedback empty or one of CancellationFeedbacks, comment valid text of at
// most MaxCancellationComment characters. The error names the API's
// parameter (cancellation_details.feedback or cancellation_details.comment).
func CheckCancellationDetails(feedback CancellationFeedback, comment string) error {
	if feedback != "" && !feedback.Valid() {
		return Invalid("cancellation_details.feedback", CodeParameterInvalid,
			"cancellation_details.feedback must be one of too_expensive, missing_features, switched_service, unused, customer_service, too_complex, low_quality or other")
	}
	if err := CheckText("cancellation_details.comment", comment); err != nil {
		return err
	}
	if utf8.RuneCountInString(comment) > MaxCancellationComment {
		return Invalid("cancellation_details.comment", CodeParameterInvalid,
			"cancellation_details.comment must be at most %d characters", MaxCancellationComment)
	}
	return nil
}
