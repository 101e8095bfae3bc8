package mpesa

import (
	"fmt"
	"net/http"
	"time"
)

// SubscriberBusyWait is the least time to wait before pushing again to a
// phone that has a prompt live ("Unable to lock subscriber").
const SubscriberBusyWait = time.Minute

// Outcome is what Daraja did with an STK push request. The zero value is
// OutcomeUnknown so that a forgotten result never reads as accepted.
type Outcome int

// Push outcomes, from the reference's synchronous error table.
const (
	// OutcomeUnknown: no answer came back (timeout, connection lost). A
	// prompt may or may not be on the customer's phone.
	OutcomeUnknown Outcome = iota
	// OutcomeAccepted: Daraja took the request and will prompt the phone.
	// Accepted is never paid: wait for the callback or query.
	OutcomeAccepted
	// OutcomeRejected: Daraja refused this input (400.002.02 "Invalid X",
	// with Field = X); the same input fails again.
	OutcomeRejected
	// OutcomeConfigError: the merchant's set-up is wrong (wrong credentials,
	// merchant does not exist, 2028, SFC_IC0003, a consumer key Daraja
	// rejects, a wrong base URL). Retrying does not help.
	OutcomeConfigError
	// OutcomeSubscriberBusy: a prompt is already live on that phone; push
	// again after SubscriberBusyWait at the earliest.
	OutcomeSubscriberBusy
	// OutcomeThrottled: over Daraja's rate or quota (500.003.02, 500.003.03):
	// back off, then retry.
	OutcomeThrottled
	// OutcomeTransient: a passing fault (500.003.1001, an unknown 5xx, a body
	// we cannot read, no token for now). Nothing was accepted; retry.
	OutcomeTransient
)

// String returns a stable lower-case name, suitable for a reason column.
func (o Outcome) String() string {
	switch o {
	case OutcomeAccepted:
		return "accepted"
	case OutcomeRejected:
		return "rejected"
	case OutcomeConfigError:
		return "config_error"
	case OutcomeSubscriberBusy:
		return "subscriber_busy"
	case OutcomeThrottled:
		return "throttled"
	case OutcomeTransient:
		return "transient"
	}
	return "unknown"
}

// classifyPush turns Daraja's answer to processrequest into a PushResult.
// 500.001.1001 carries several meanings, so codes and messages are both read.
func classifyPush(ex exchange) PushResult {
	a, parsed := decodeAnswer(ex.body)
	r := PushResult{
		HTTPStatus:        ex.status,
		MerchantRequestID: a.MerchantRequestID,
		CheckoutRequestID: a.CheckoutRequestID,
		RequestID:         a.RequestID,
		ErrorCode:         string(a.ErrorCode),
		Message:           a.ErrorMessage,
	}
	switch {
	case !parsed:
		r.Message = fmt.Sprintf("unreadable %d-byte answer", len(ex.body))
		r.Outcome = OutcomeTransient
		if ex.status == http.StatusTooManyRequests {
			r.Outcome = OutcomeThrottled
		}
	case ex.status == http.StatusOK && r.ErrorCode == "":
		r.Message = a.ResponseDescription
		switch {
		case a.ResponseCode == "0" && a.CheckoutRequestID != "":
			r.Outcome = OutcomeAccepted
		case a.ResponseCode == "0":
			// Cannot be tracked without the ID; nothing to query later.
			r.Outcome, r.Message = OutcomeTransient, "accepted without a CheckoutRequestID"
		case a.ResponseCode == "":
			r.Outcome, r.Message = OutcomeTransient, "answer without a ResponseCode"
		default:
			r.Outcome, r.ErrorCode = OutcomeRejected, string(a.ResponseCode)
		}
	default:
		r.Outcome, r.Field = pushErrorOutcome(ex.status, r.ErrorCode, r.Message)
		if r.Outcome == OutcomeSubscriberBusy {
			r.RetryAfter = SubscriberBusyWait
		}
	}
	return r
}

// pushErrorOutcome classifies Daraja's error shape on processrequest.
func pushErrorOutcome(status int, code, msg string) (Outcome, string) {
	switch {
	case isInvalidToken(status, apiAnswer{ErrorCode: flexString(code), ErrorMessage: msg}):
		// Only reached after one re-mint and retry: try again later.
		return OutcomeTransient, ""
	case contains(msg, "unable to lock subscriber"):
		return OutcomeSubscriberBusy, ""
	case contains(msg, "merchant does not exist"), contains(msg, "wrong credentials"),
		code == "2028", code == "SFC_IC0003", contains(msg, "SFC_IC0003"):
		return OutcomeConfigError, ""
	case code == "500.003.02", code == "500.003.03", status == http.StatusTooManyRequests,
		contains(msg, "spike arrest"), contains(msg, "quota violation"), contains(msg, "system is busy"):
		return OutcomeThrottled, ""
	case code == "400.002.02":
		return OutcomeRejected, invalidField(msg)
	case code == "404.001.01", code == "405.001", status == http.StatusNotFound, status == http.StatusMethodNotAllowed:
		// Wrong base URL or path: a deployment setting, not the input.
		return OutcomeConfigError, ""
	case status >= 400 && status < 500:
		return OutcomeRejected, invalidField(msg)
	}
	// 500.003.1001, 500.001.1001 with another message, any other 5xx.
	return OutcomeTransient, ""
}

// classifyQuery turns Daraja's answer to stkpushquery into a QueryResult.
// On the query, 500.001.1001 means "no answer yet" unless the message says
// the transaction does not exist: it never means failed.
func classifyQuery(ex exchange) QueryResult {
	a, parsed := decodeAnswer(ex.body)
	q := QueryResult{
		HTTPStatus:        ex.status,
		ResultCode:        string(a.ResultCode),
		ResultDesc:        a.ResultDesc,
		MerchantRequestID: a.MerchantRequestID,
		CheckoutRequestID: a.CheckoutRequestID,
		ErrorCode:         string(a.ErrorCode),
		Message:           a.ErrorMessage,
	}
	code, msg := q.ErrorCode, q.Message
	switch {
	case !parsed:
		q.Message = fmt.Sprintf("unreadable %d-byte answer", len(ex.body))
		q.State = QueryTransient
		if ex.status == http.StatusTooManyRequests {
			q.State = QueryThrottled
		}
	case q.ResultCode == "4999":
		q.State = QueryPending
	case q.ResultCode != "":
		q.State = QueryFinal
	case contains(msg, "transaction does not exist"):
		q.State = QueryUnknownTransaction
	case contains(msg, "merchant does not exist"), contains(msg, "wrong credentials"),
		code == "2028", code == "SFC_IC0003":
		q.State = QueryConfigError
	case code == "500.001.1001", contains(msg, "being processed"):
		q.State = QueryPending
	case isInvalidToken(ex.status, a):
		q.State = QueryTransient
	case code == "500.003.02", code == "500.003.03", ex.status == http.StatusTooManyRequests,
		contains(msg, "spike arrest"), contains(msg, "quota violation"), contains(msg, "system is busy"):
		q.State = QueryThrottled
	case code == "400.002.02" && invalidField(msg) == "CheckoutRequestID":
		q.State = QueryUnknownTransaction
	case code == "400.002.02", code == "404.001.01", code == "405.001",
		ex.status == http.StatusNotFound, ex.status == http.StatusMethodNotAllowed:
		q.State = QueryConfigError
	default:
		q.State = QueryTransient
	}
	return q
}
