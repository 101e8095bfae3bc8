package mpesa

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// QueryState is what an STK query says about an attempt. The zero value is
// QueryNoAnswer so that a forgotten result never reads as final.
type QueryState int

// Query states, from the reference's STK Query section.
const (
	// QueryNoAnswer: no answer came back (transport failure) or the client
	// refused to send; see the error.
	QueryNoAnswer QueryState = iota
	// QueryFinal: Daraja gave a ResultCode; decide with Classify(ResultCode)
	// (an unknown code is still ResultUnknown, i.e. keep pending).
	QueryFinal
	// QueryPending: still processing (ResultCode 4999, "being processed",
	// or 500.001.1001 with any other text, even empty). Ask again.
	QueryPending
	// QueryUnknownTransaction: "The transaction does not Exist".
	QueryUnknownTransaction
	// QueryConfigError: the merchant's set-up is wrong (wrong credentials,
	// merchant does not exist, a rejected consumer key). Never means the
	// payment failed: keep the attempt open and alert.
	QueryConfigError
	// QueryThrottled: over Daraja's rate or quota; back off.
	QueryThrottled
	// QueryTransient: a passing fault; ask again.
	QueryTransient
)

// String returns a stable lower-case name.
func (s QueryState) String() string {
	switch s {
	case QueryFinal:
		return "final"
	case QueryPending:
		return "pending"
	case QueryUnknownTransaction:
		return "unknown_transaction"
	case QueryConfigError:
		return "config_error"
	case QueryThrottled:
		return "throttled"
	case QueryTransient:
		return "transient"
	}
	return "no_answer"
}

// QueryResult is Daraja's answer to an STK query, classified. The query
// never carries a receipt number: that arrives with the callback.
type QueryResult struct {
	State QueryState
	// ResultCode (as a decimal or "SFC_…" string) and ResultDesc are set
	// for QueryFinal and for 4999.
	ResultCode string
	ResultDesc string
	// HTTPStatus, ErrorCode and Message are Daraja's raw answer.
	HTTPStatus int
	ErrorCode  string
	Message    string
	// MerchantRequestID and CheckoutRequestID echo the attempt, when sent.
	MerchantRequestID string
	CheckoutRequestID string
}

// Result explains ResultCode; meaningful for QueryFinal.
func (q QueryResult) Result() ResultInfo { return Classify(q.ResultCode) }

// stkQueryBody is the stkpushquery payload.
type stkQueryBody struct {
	BusinessShortCode string `json:"BusinessShortCode"`
	Password          string `json:"Password"`
	Timestamp         string `json:"Timestamp"`
	CheckoutRequestID string `json:"CheckoutRequestID"`
}

// Query asks Daraja where an STK push stands, with a fresh timestamp and
// password and the same one-re-mint rule as Push.
//
// Every Daraja answer, including a failure to get a token, is a
// QueryResult with a nil error. The error is non-nil when no answer came
// back (State QueryNoAnswer), or when the client refused to send
// (errors.Is(err, ErrInvalidRequest); State QueryConfigError for invalid
// credentials, QueryNoAnswer for an empty checkoutRequestID).
func (c *Client) Query(ctx context.Context, cr Credentials, checkoutRequestID string) (QueryResult, error) {
	if err := cr.Validate(); err != nil {
		return QueryResult{State: QueryConfigError, Message: err.Error()}, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if checkoutRequestID == "" || strings.IndexFunc(checkoutRequestID, unicode.IsSpace) >= 0 {
		return QueryResult{}, &RequestError{Field: "CheckoutRequestID", Reason: "empty or contains whitespace"}
	}
	ts := Timestamp(c.now())
	body := stkQueryBody{
		BusinessShortCode: cr.Shortcode,
		Password:          Password(cr.Shortcode, cr.Passkey, ts),
		Timestamp:         ts,
		CheckoutRequestID: checkoutRequestID,
	}
	ex, err := c.postWithToken(ctx, cr, c.url(cr, "/mpesa/stkpushquery/v1/query"), body)
	var tf *tokenFailure
	switch {
	case errors.As(err, &tf):
		q := QueryResult{State: QueryTransient, Message: tf.Error()}
		q.HTTPStatus, q.ErrorCode = tf.answer()
		switch tokenOutcome(tf.err) {
		case OutcomeConfigError:
			q.State = QueryConfigError
		case OutcomeThrottled:
			q.State = QueryThrottled
		}
		return q, nil
	case err != nil:
		return QueryResult{}, err
	}
	return classifyQuery(ex), nil
}
