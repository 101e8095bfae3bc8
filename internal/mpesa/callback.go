package mpesa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrUnknownShape marks a callback body we cannot read with confidence:
// not JSON, no Body.stkCallback, no CheckoutRequestID or ResultCode, or a
// metadata value of an unexpected type. Keep the raw body and alert; the
// STK query settles the attempt meanwhile.
var ErrUnknownShape = errors.New("mpesa: unknown callback shape")

// Callback is the result Safaricom posts to CallBackURL. The callback is
// not signed: treat its claims as a hint to be matched against the attempt
// (amount, phone) or confirmed by query.
type Callback struct {
	MerchantRequestID string
	CheckoutRequestID string
	// ResultCode is the code as text, whether it came as a number or a
	// string: "0", "1032", "SFC_IC0003". Decide with Classify, never on
	// ResultDesc (its prose changes).
	ResultCode string
	ResultDesc string
	// AmountCents is the Amount item in cents, converted exactly from its
	// decimal text; HasAmount says whether the item had a value.
	AmountCents int64
	HasAmount   bool
	// Receipt is the MpesaReceiptNumber; a success without one must not be
	// taken as paid.
	Receipt string
	// TransactionDate is the 14-digit EAT time as sent.
	TransactionDate string
	// Phone is the PhoneNumber item as sent: 12 digits, or masked or
	// missing in newer shapes.
	Phone string
}

// callbackWire mirrors the JSON; leaves are any so that numbers (decoded
// as json.Number) and strings are both accepted.
type callbackWire struct {
	Body *struct {
		STKCallback *struct {
			MerchantRequestID any
			CheckoutRequestID any
			ResultCode        any
			ResultDesc        any
			CallbackMetadata  *struct {
				Item []callbackItem
			}
		} `json:"stkCallback"`
	}
}

// callbackItem is one metadata entry; Value may be absent (Balance).
type callbackItem struct {
	Name  any
	Value any
}

// ParseCallback reads an STK callback body. Metadata items are found by
// Name, in any order and number; unknown items (Balance, with or without a
// Value) are ignored. Any body that cannot be read with confidence gives
// an error wrapping ErrUnknownShape. It never panics.
func ParseCallback(body []byte) (Callback, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // amounts and 12-14 digit numbers must not pass through float64
	var w callbackWire
	if err := dec.Decode(&w); err != nil {
		return Callback{}, fmt.Errorf("%w: %v", ErrUnknownShape, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Callback{}, fmt.Errorf("%w: data after the JSON object", ErrUnknownShape)
	}
	if w.Body == nil || w.Body.STKCallback == nil {
		return Callback{}, fmt.Errorf("%w: no Body.stkCallback", ErrUnknownShape)
	}
	s := w.Body.STKCallback
	var cb Callback
	var ok [4]bool
	cb.MerchantRequestID, ok[0] = scalarText(s.MerchantRequestID)
	cb.CheckoutRequestID, ok[1] = scalarText(s.CheckoutRequestID)
	cb.ResultCode, ok[2] = scalarText(s.ResultCode)
	cb.ResultDesc, ok[3] = scalarText(s.ResultDesc)
	switch {
	case !ok[0] || !ok[1] || !ok[2] || !ok[3]:
		return Callback{}, fmt.Errorf("%w: stkCallback fields must be strings or numbers", ErrUnknownShape)
	case cb.CheckoutRequestID == "":
		return Callback{}, fmt.Errorf("%w: no CheckoutRequestID", ErrUnknownShape)
	case cb.ResultCode == "":
		return Callback{}, fmt.Errorf("%w: no ResultCode", ErrUnknownShape)
	}
	if s.CallbackMetadata == nil {
		return cb, nil
	}
	if err := cb.readItems(s.CallbackMetadata.Item); err != nil {
		return Callback{}, err
	}
	return cb, nil
}

// readItems fills the metadata fields by item Name. A known item given
// twice with different values is refused: an unsigned body that
// contradicts itself is not to be trusted.
func (cb *Callback) readItems(items []callbackItem) error {
	seen := map[string]string{}
	for _, it := range items {
		name, _ := it.Name.(string)
		key := strings.ToLower(strings.TrimSpace(name))
		switch key {
		case "amount", "mpesareceiptnumber", "transactiondate", "phonenumber":
		default:
			continue // Balance and anything new
		}
		text, ok := scalarText(it.Value)
		if !ok {
			return fmt.Errorf("%w: item %s has a value of an unexpected type", ErrUnknownShape, key)
		}
		if prev, dup := seen[key]; dup && prev != text {
			return fmt.Errorf("%w: item %s given twice with different values", ErrUnknownShape, key)
		}
		seen[key] = text
		switch key {
		case "mpesareceiptnumber":
			cb.Receipt = text
		case "transactiondate":
			cb.TransactionDate = text
		case "phonenumber":
			cb.Phone = text
		case "amount":
			if text == "" {
				continue // an Amount item without a value
			}
			cents, err := decimalCents(text)
			if err != nil {
				return fmt.Errorf("%w: Amount: %v", ErrUnknownShape, err)
			}
			cb.AmountCents, cb.HasAmount = cents, true
		}
	}
	return nil
}

// scalarText renders a decoded JSON leaf as text: json.Number as sent,
// strings trimmed, null or absent as "". ok is false for objects, arrays
// and booleans.
func scalarText(v any) (string, bool) {
	switch t := v.(type) {
	case nil:
		return "", true
	case json.Number:
		return t.String(), true
	case string:
		return strings.TrimSpace(t), true
	}
	return "", false
}

// decimalCents converts "1", "1.5", "1.00" to cents exactly. It refuses a
// sign, an exponent, more than two decimals and sums too large for int64,
// because each would mean guessing what was paid.
func decimalCents(s string) (int64, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || (hasDot && (frac == "" || !allDigits(frac))) {
		return 0, fmt.Errorf("%q is not a plain decimal", s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q has more than 2 decimals", s)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > (1<<63-1)/100-1 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	f := int64(0)
	for i := range 2 {
		f *= 10
		if i < len(frac) {
			f += int64(frac[i] - '0')
		}
	}
	return w*100 + f, nil
}

// allDigits reports whether s is non-empty ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
