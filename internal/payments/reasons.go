package payments

import (
	"github.com/sokohub/sokohub/internal/mpesa"
)

// Customer-facing reasons for pushes Daraja refused. Configuration problems
// are the merchant's to fix; the customer sees a neutral message.
const (
	neutralReason     = "This shop cannot take M-Pesa payments right now. Please try again later or contact the shop."
	busyReason        = "M-Pesa is busy right now. Please try again in a minute."
	lockedReason      = "Your phone already has an M-Pesa prompt open. Finish or cancel it, then try again in a minute."
	unconfirmedReason = "M-Pesa did not confirm the prompt. If you did not pay, you can send it again."
	invalidReason     = "M-Pesa could not send the prompt for this payment. Please check the phone number and try again."
)

// pushFailure explains a push Daraja refused, to the customer and to the
// merchant.
func pushFailure(res mpesa.PushResult) mpesa.ResultInfo {
	merchant := "Daraja refused the STK Push: " + res.ErrorCode + " " + res.Message
	switch res.Outcome {
	case mpesa.OutcomeConfigError:
		return mpesa.ResultInfo{CustomerReason: neutralReason, MerchantReason: merchant + " (check the M-Pesa settings)"}
	case mpesa.OutcomeSubscriberBusy:
		return mpesa.ResultInfo{CustomerReason: lockedReason, MerchantReason: merchant}
	default:
		return mpesa.ResultInfo{CustomerReason: invalidReason, MerchantReason: merchant}
	}
}
