package mpesa

import (
	"strconv"
	"strings"
)

// ResultKind is what a ResultCode (callback or query) means for the
// payment. The zero value is ResultUnknown so that a forgotten field can
// never read as success or failure.
type ResultKind int

// Result kinds, from the reference's ResultCode table.
const (
	// ResultUnknown is a code not in the table: keep the attempt pending,
	// keep querying and alert. Never treated as a failure.
	ResultUnknown ResultKind = iota
	// ResultSuccess is code 0: paid (a callback must also carry a receipt).
	ResultSuccess
	// ResultFailed is a terminal failure: no money moved.
	ResultFailed
	// ResultTimedOut is 1037: the phone did not answer in time, but money
	// may still move, so a later success must still be honoured.
	ResultTimedOut
	// ResultConfigError is 2028 or SFC_IC0003: the shop's set-up is wrong
	// (paybill/till mix-up). Terminal for the attempt; the merchant must act.
	ResultConfigError
	// ResultPending is 4999 (query only): still being processed.
	ResultPending
)

// String returns a stable lower-case name, suitable for logs and metrics.
func (k ResultKind) String() string {
	switch k {
	case ResultSuccess:
		return "success"
	case ResultFailed:
		return "failed"
	case ResultTimedOut:
		return "timed_out"
	case ResultConfigError:
		return "config_error"
	case ResultPending:
		return "pending"
	}
	return "unknown"
}

// Terminal reports whether the attempt is settled by this result. 1037 is
// terminal for Daraja but a later success must still be honoured.
func (k ResultKind) Terminal() bool {
	return k != ResultUnknown && k != ResultPending
}

// ResultInfo explains one ResultCode to each audience.
type ResultInfo struct {
	Code string
	Kind ResultKind
	// CustomerReason is plain English for the shopper. For configuration
	// errors it is deliberately neutral: the shopper cannot fix the shop.
	CustomerReason string
	// MerchantReason is the real cause, for the seller's dashboard.
	MerchantReason string
	// Retryable reports whether the customer can sensibly start a new
	// payment for the same order now. For 1037 it is true, and the caller
	// must still accept a late success of the first attempt.
	Retryable bool
}

// customerConfigReason is what a shopper sees when the shop's M-Pesa set-up
// is broken; the merchant gets the real cause.
const customerConfigReason = "The shop could not take M-Pesa payments right now. Please try again later or contact the shop."

// Classify explains a ResultCode from a callback or a query. Decide on the
// code only: ResultDesc prose differs between callback, query and years.
func Classify(code string) ResultInfo {
	code = strings.TrimSpace(code)
	info := func(kind ResultKind, customer, merchant string, retry bool) ResultInfo {
		return ResultInfo{Code: code, Kind: kind, CustomerReason: customer, MerchantReason: merchant, Retryable: retry}
	}
	switch code {
	case "0":
		return info(ResultSuccess, "Payment received. Thank you!", "Paid.", false)
	case "1":
		return info(ResultFailed, "You don't have enough money in M-Pesa for this payment.",
			"The customer's M-Pesa balance was too low.", true)
	case "2":
		return info(ResultFailed, "M-Pesa declined this payment: the amount is below the M-Pesa minimum.",
			"Declined by M-Pesa: amount below the minimum.", false)
	case "3":
		return info(ResultFailed, "M-Pesa declined this payment: the amount is above your M-Pesa transaction limit.",
			"Declined by M-Pesa: amount above the customer's transaction limit.", false)
	case "4":
		return info(ResultFailed, "M-Pesa declined this payment: it would go over your daily M-Pesa limit.",
			"Declined by M-Pesa: the customer's daily limit was reached.", false)
	case "8":
		return info(ResultFailed, "M-Pesa declined this payment because of an account balance limit.",
			"Declined by M-Pesa: maximum account balance rule.", false)
	case "17":
		return info(ResultFailed, "You just paid this same amount. Please wait 2 minutes before trying again.",
			"Declined by M-Pesa: same amount to the same customer within 2 minutes.", true)
	case "26":
		return info(ResultFailed, "M-Pesa is busy right now. Please try again.",
			"M-Pesa system busy.", true)
	case "1001":
		return info(ResultFailed, "Another M-Pesa payment is in progress on your phone. Finish it, wait a minute, then try again.",
			"Another transaction was in process for this customer (unable to lock subscriber).", true)
	case "1019":
		return info(ResultFailed, "The payment request expired. Please try again.",
			"The transaction expired before the customer completed it.", true)
	case "1025", "9999":
		return info(ResultFailed, "We could not send the M-Pesa prompt to your phone. Please try again.",
			"M-Pesa failed to send the prompt (keep the account reference short).", true)
	case "1032":
		return info(ResultFailed, "You cancelled the payment.",
			"The customer cancelled the M-Pesa prompt.", true)
	case "1036":
		return info(ResultFailed, "We could not reach your phone. Check it is on and try again.",
			"M-Pesa could not deliver the prompt (SMSC ACK timeout).", true)
	case "1037":
		return info(ResultTimedOut, "We didn't get an answer from your phone. If you approved the payment we will confirm it shortly; otherwise please try again.",
			"No response from the customer's phone (DS timeout). Money may still move: a later success is honoured.", true)
	case "2001":
		return info(ResultFailed, "The M-Pesa PIN was wrong. Please try again.",
			"The customer entered a wrong M-Pesa PIN.", true)
	case "2028":
		return info(ResultConfigError, customerConfigReason,
			"M-Pesa refused the request: not permitted by product assignment. Check the shortcode type (paybill or till) and the till number.", false)
	case "8006":
		return info(ResultFailed, "Your M-Pesa PIN is locked. Contact Safaricom to unlock it, then try again.",
			"The customer's M-Pesa security credential is locked.", false)
	case "SFC_IC0003":
		return info(ResultConfigError, customerConfigReason,
			"M-Pesa says the operator does not exist: the paybill/till set-up is mixed up. Check the shortcode type and the till number.", false)
	case "4999":
		return info(ResultPending, "Waiting for you to approve the payment on your phone.",
			"Still being processed by M-Pesa.", false)
	}
	return info(ResultUnknown, "We are still confirming your payment with M-Pesa.",
		"Unrecognised M-Pesa ResultCode "+strconv.Quote(code)+": the attempt stays pending; keep querying and check with Safaricom.", false)
}
