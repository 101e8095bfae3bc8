package mpesa

import (
	"bytes"
	"encoding/json"
	"strings"
)

// flexString decodes a JSON scalar that Daraja sends sometimes as a string
// and sometimes as a number (expires_in, ResultCode, ResponseCode). It
// keeps the number's text exactly as sent, so nothing passes through a
// float.
type flexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*f = flexString(n.String())
	return nil
}

// apiAnswer is the union of every JSON body the STK endpoints return:
// the success fields and Daraja's error shape.
type apiAnswer struct {
	RequestID    string     `json:"requestId"`
	ErrorCode    flexString `json:"errorCode"`
	ErrorMessage string     `json:"errorMessage"`

	MerchantRequestID   string     `json:"MerchantRequestID"`
	CheckoutRequestID   string     `json:"CheckoutRequestID"`
	ResponseCode        flexString `json:"ResponseCode"`
	ResponseDescription string     `json:"ResponseDescription"`
	CustomerMessage     string     `json:"CustomerMessage"`
	ResultCode          flexString `json:"ResultCode"`
	ResultDesc          string     `json:"ResultDesc"`
}

// decodeAnswer reads a Daraja body. ok is false when the body is not a
// JSON object (an HTML error page from a proxy, an empty body).
func decodeAnswer(body []byte) (a apiAnswer, ok bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return a, false
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return apiAnswer{}, false
	}
	return a, true
}

// isInvalidToken reports whether Daraja rejected the bearer token, in any of
// its spellings: HTTP 401, or one of the known error codes.
func isInvalidToken(status int, a apiAnswer) bool {
	if status == 401 {
		return true
	}
	switch string(a.ErrorCode) {
	case "404.001.03", "400.003.01", "401.002.01", "401.003.01":
		return true
	}
	return strings.Contains(strings.ToLower(a.ErrorMessage), "invalid access token")
}

// invalidField extracts X from Daraja's "Bad Request - Invalid X" message,
// so the caller knows which push field was refused ("" when absent).
func invalidField(msg string) string {
	i := strings.Index(strings.ToLower(msg), "invalid ")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(msg[i+len("invalid "):], " ")
	end := 0
	for end < len(rest) {
		c := rest[end]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			end++
			continue
		}
		break
	}
	return rest[:end]
}

// contains reports whether msg contains sub, ignoring case: Daraja's
// messages vary in capitalisation ("does not Exist").
func contains(msg, sub string) bool {
	return strings.Contains(strings.ToLower(msg), strings.ToLower(sub))
}
