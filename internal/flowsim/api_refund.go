package flowsim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/cuota/cuota/internal/gateway/flow"
)

func (s *Server) refundCreate(_ *http.Request, p url.Values) result {
	if missing(p, "refundCommerceOrder", "receiverEmail", "amount", "urlCallBack") ||
		(missing(p, "commerceTrxId") && missing(p, "flowTrxId")) {
		return result{err: errMissing()}
	}
	if !validURL(p.Get("urlCallBack")) {
		return result{err: errInvalid("Invalid urlCallBack")}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var of *order
	if v := p.Get("flowTrxId"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return result{err: errInvalid("Invalid flowTrxId")}
		}
		of = s.st.byFlowOrder[n]
	} else {
		of = s.st.paidByCommerceOrder(p.Get("commerceTrxId"))
		if of == nil {
			of = s.st.latestByCommerceOrder(p.Get("commerceTrxId"))
		}
	}
	if of == nil {
		return result{err: errTransactionNotFound()}
	}
	amount, currency, aerr := parseAmount(p.Get("amount"), of.currency)
	if aerr != nil {
		return result{err: aerr}
	}
	if of.status != flow.PaymentPaid {
		return result{err: &apiError{http.StatusUnauthorized, CodeRefundNotAllowed, "The transaction is not paid"}}
	}
	if amount > s.st.refundable(of) {
		return result{err: &apiError{http.StatusUnauthorized, CodeRefundNotAllowed, "The refund amount exceeds the refundable amount of the transaction"}}
	}
	s.st.nextRefund++
	s.st.seq++
	rf := &refund{
		token: s.st.newToken(), flowOrder: s.st.nextRefund, commerceOrder: p.Get("refundCommerceOrder"),
		receiver: p.Get("receiverEmail"), amount: amount, currency: currency, urlCallBack: p.Get("urlCallBack"),
		status: flow.RefundCreated, created: s.now(), of: of, seq: s.st.seq,
	}
	s.st.refunds = append(s.st.refunds, rf)
	s.st.refundByToken[rf.token] = rf
	if s.opts.AutoCompleteRefunds && !s.isClosed {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			ctx, cancel := s.closingContext()
			defer cancel()
			// Errors cannot happen: the refund exists and is still created
			// unless a test completed it first, which is fine.
			_, _ = s.CompleteRefund(ctx, rf.token, true)
		}()
	}
	return result{body: s.refundJSON(rf)}
}

func (s *Server) refundStatus(_ *http.Request, p url.Values) result {
	if missing(p, "token") {
		return result{err: errMissing()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rf, ok := s.st.refundByToken[p.Get("token")]
	if !ok {
		return result{err: &apiError{http.StatusBadRequest, CodeTokenNotFound, "Token not found"}}
	}
	return result{body: s.refundJSON(rf)}
}

// refundJSON renders a RefundStatus; amounts are decimal strings as in
// Flow's example ("12000.00"). The caller holds s.mu.
func (s *Server) refundJSON(rf *refund) map[string]any {
	return map[string]any{
		"token": rf.token, "flowRefundOrder": s.st.num(rf.flowOrder), "date": fmtTime(rf.created),
		"status": rf.status, "amount": strconv.FormatInt(rf.amount, 10) + ".00", "fee": "0.00",
	}
}

// CompleteRefund settles a created refund as "refunded" (accept) or
// "rejected", then POSTs token to its urlCallBack and returns that
// notification.
func (s *Server) CompleteRefund(ctx context.Context, token string, accept bool) (Notification, error) {
	s.mu.Lock()
	rf, ok := s.st.refundByToken[token]
	if !ok {
		s.mu.Unlock()
		return Notification{}, fmt.Errorf("complete refund: %w", ErrUnknownToken)
	}
	if rf.status != flow.RefundCreated {
		s.mu.Unlock()
		return Notification{}, fmt.Errorf("complete refund %d: %w", rf.flowOrder, ErrAlreadyCompleted)
	}
	rf.status = flow.RefundRejected
	if accept {
		rf.status = flow.RefundRefunded
	}
	target := rf.urlCallBack
	s.mu.Unlock()
	return s.notify(ctx, KindRefund, target, token), nil
}
