package mpesa

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// PushRequest is one STK push, already in Daraja's units.
type PushRequest struct {
	// Amount is in whole shillings, MinAmount..MaxAmount (see Shillings).
	Amount int64
	// Phone is a normalized MSISDN (see NormalizePhone): it is checked,
	// not rewritten.
	Phone string
	// CallbackURL is where Daraja posts the result: https in production,
	// no whitespace, lower-case host (an upper-case host was seen rejected).
	CallbackURL string
	// AccountReference and Description are sanitised with
	// AccountReference and TransactionDesc before sending.
	AccountReference string
	Description      string
}

// PushResult is Daraja's answer to a push, classified.
type PushResult struct {
	Outcome Outcome
	// MerchantRequestID and CheckoutRequestID identify an accepted push;
	// treat them as opaque. CheckoutRequestID is the key for callbacks and
	// queries.
	MerchantRequestID string
	CheckoutRequestID string
	// HTTPStatus, ErrorCode and Message are Daraja's raw answer (for a
	// token failure: the OAuth endpoint's). RequestID is Daraja's
	// requestId, for support tickets.
	HTTPStatus int
	ErrorCode  string
	Message    string
	RequestID  string
	// Field is the push field Daraja (or our local check) refused, for
	// OutcomeRejected: "PhoneNumber", "Amount", "CallBackURL", "Remarks"…
	Field string
	// RetryAfter is the least wait before pushing again, when Daraja
	// implies one (OutcomeSubscriberBusy); 0 leaves it to the caller.
	RetryAfter time.Duration
}

// stkPushBody is the processrequest payload, with Daraja's field names.
// Amount goes as a JSON number; the identifiers as strings (both are
// accepted, and strings keep any leading zero).
type stkPushBody struct {
	BusinessShortCode string `json:"BusinessShortCode"`
	Password          string `json:"Password"`
	Timestamp         string `json:"Timestamp"`
	TransactionType   string `json:"TransactionType"`
	Amount            int64  `json:"Amount"`
	PartyA            string `json:"PartyA"`
	PartyB            string `json:"PartyB"`
	PhoneNumber       string `json:"PhoneNumber"`
	CallBackURL       string `json:"CallBackURL"`
	AccountReference  string `json:"AccountReference"`
	TransactionDesc   string `json:"TransactionDesc"`
}

// Push sends an STK push for cr's shortcode.
//
// Callers switch on the result's Outcome; every Daraja answer, including a
// failure to get a token, is a PushResult with a nil error. The error is
// non-nil in two cases only:
//   - Daraja gave no answer to processrequest (timeout, connection lost):
//     Outcome is OutcomeUnknown and a prompt may be on the phone;
//   - the client refused to send (errors.Is(err, ErrInvalidRequest)):
//     Outcome is OutcomeRejected with Field set for bad input, or
//     OutcomeConfigError for invalid credentials (errors.Is ErrConfig too).
func (c *Client) Push(ctx context.Context, cr Credentials, r PushRequest) (PushResult, error) {
	if err := cr.Validate(); err != nil {
		return PushResult{Outcome: OutcomeConfigError, Message: err.Error()}, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	if err := r.validate(cr); err != nil {
		var re *RequestError
		errors.As(err, &re)
		return PushResult{Outcome: OutcomeRejected, Field: re.Field, Message: re.Reason}, err
	}
	// One timestamp for both fields: Daraja recomputes the password from it.
	ts := Timestamp(c.now())
	body := stkPushBody{
		BusinessShortCode: cr.Shortcode,
		Password:          Password(cr.Shortcode, cr.Passkey, ts),
		Timestamp:         ts,
		TransactionType:   cr.TransactionType(),
		Amount:            r.Amount,
		PartyA:            r.Phone,
		PartyB:            cr.PartyB(),
		PhoneNumber:       r.Phone,
		CallBackURL:       r.CallbackURL,
		AccountReference:  AccountReference(r.AccountReference),
		TransactionDesc:   TransactionDesc(r.Description),
	}
	ex, err := c.postWithToken(ctx, cr, c.url(cr, "/mpesa/stkpush/v1/processrequest"), body)
	var tf *tokenFailure
	switch {
	case errors.As(err, &tf):
		res := PushResult{Outcome: tokenOutcome(tf.err), Message: tf.Error()}
		res.HTTPStatus, res.ErrorCode = tf.answer()
		return res, nil
	case err != nil:
		return PushResult{Outcome: OutcomeUnknown}, err
	}
	return classifyPush(ex), nil
}

// validate refuses locally what Daraja would refuse, so a typo does not
// cost a round trip or a confusing prompt.
func (r PushRequest) validate(cr Credentials) error {
	if r.Amount < MinAmount || r.Amount > MaxAmount {
		return &RequestError{Field: "Amount", Reason: fmt.Sprintf("%d is outside %d..%d whole shillings", r.Amount, MinAmount, MaxAmount)}
	}
	if !isMSISDN(r.Phone) {
		return &RequestError{Field: "PhoneNumber", Reason: "not a 12-digit 2547/2541 number (normalize it first)", Err: &PhoneError{}}
	}
	if reason := callbackURLProblem(r.CallbackURL, cr.Environment == EnvProduction); reason != "" {
		return &RequestError{Field: "CallBackURL", Reason: reason}
	}
	return nil
}

// callbackURLProblem explains why Daraja would refuse u, or returns "".
// Nothing is rewritten: a URL we fixed up silently would not match the
// route the gateway registered.
func callbackURLProblem(u string, production bool) string {
	if u == "" {
		return "empty"
	}
	for _, r := range u {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return "contains whitespace or control characters"
		}
	}
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return "not a URL"
	case p.Scheme != "https" && p.Scheme != "http":
		return "must start with https://"
	case production && p.Scheme != "https":
		return "must be https in production"
	case p.Host == "":
		return "has no host"
	case strings.ToLower(p.Host) != p.Host:
		return "host must be lower case"
	}
	return ""
}
