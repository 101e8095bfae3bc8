package mpesa

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// Environments and shortcode types a merchant can configure.
const (
	EnvSandbox    = "sandbox"
	EnvProduction = "production"
	TypePaybill   = "paybill"
	TypeTill      = "till"
)

// Default Daraja hosts, used when Options.BaseURL is empty.
const (
	SandboxBaseURL    = "https://sandbox.safaricom.co.ke"
	ProductionBaseURL = "https://api.safaricom.co.ke"
)

// Credentials are one merchant's Daraja app and shortcode. They hold
// secrets: never log or print a Credentials value.
type Credentials struct {
	Environment string // EnvSandbox or EnvProduction
	Type        string // TypePaybill or TypeTill
	// Shortcode is the BusinessShortCode: the paybill number, or for a
	// till the store (head office) number the passkey was issued for.
	Shortcode string
	// TillNumber is PartyB for a till; unused for a paybill.
	TillNumber     string
	Passkey        string
	ConsumerKey    string
	ConsumerSecret string
}

// Validate checks the credentials before any request uses them, so a typo
// shows up as a clear message to the merchant instead of Daraja's
// "Invalid BusinessShortCode". Every problem is reported, joined; each is
// a *ConfigError and errors.Is(err, ErrConfig) holds. Messages are
// sentences for the merchant that name the faulty field as the form
// labels it, never its value.
func (c Credentials) Validate() error {
	var errs []error
	bad := func(field, reason string) {
		errs = append(errs, &ConfigError{Field: field, Reason: reason})
	}
	if c.Environment != EnvSandbox && c.Environment != EnvProduction {
		bad("Environment", "Choose the environment: sandbox (Daraja's test system) or production.")
	}
	switch c.Type {
	case TypePaybill:
	case TypeTill:
		if !isShortcode(c.TillNumber) {
			bad("TillNumber", "Enter the till number: 5 to 7 digits.")
		}
	default:
		bad("Type", "Choose whether payments go to a paybill or a till.")
	}
	if !isShortcode(c.Shortcode) {
		bad("Shortcode", "Enter the shortcode (BusinessShortCode), the paybill or store number: 5 to 7 digits.")
	}
	for _, s := range []struct{ field, name, value string }{
		{"Passkey", "passkey", c.Passkey}, {"ConsumerKey", "consumer key", c.ConsumerKey},
		{"ConsumerSecret", "consumer secret", c.ConsumerSecret},
	} {
		switch {
		case s.value == "":
			bad(s.field, "Enter the "+s.name+" from your Daraja app.")
		case strings.TrimSpace(s.value) != s.value:
			// A pasted trailing newline gives "Wrong credentials" much later.
			bad(s.field, "The "+s.name+" starts or ends with a space or a line break. Please paste it again without them.")
		}
	}
	return errors.Join(errs...)
}

// TransactionType is the STK TransactionType for the shortcode type:
// CustomerPayBillOnline or CustomerBuyGoodsOnline ("" for an unknown type).
func (c Credentials) TransactionType() string {
	switch c.Type {
	case TypePaybill:
		return "CustomerPayBillOnline"
	case TypeTill:
		return "CustomerBuyGoodsOnline"
	}
	return ""
}

// PartyB is who receives the money: the paybill shortcode itself, or the
// till number (which differs from the store number in BusinessShortCode).
// Mixing these up is Daraja's ResultCode 2028 or SFC_IC0003.
func (c Credentials) PartyB() string {
	if c.Type == TypeTill {
		return c.TillNumber
	}
	return c.Shortcode
}

// CacheKey identifies the Daraja app for token caching: the hex SHA-256 of
// environment, consumer key and secret. Tokens are per app (a new one
// invalidates the last), so this is the unit of single-flight minting. The
// hash lets the key sit in Redis and logs without revealing the secret, and
// changes when the secret is rotated.
func (c Credentials) CacheKey() string {
	sum := sha256.Sum256([]byte(c.Environment + "\x00" + c.ConsumerKey + "\x00" + c.ConsumerSecret))
	return hex.EncodeToString(sum[:])
}

// baseURL picks the Daraja host for these credentials.
func (c Credentials) baseURL() string {
	if c.Environment == EnvProduction {
		return ProductionBaseURL
	}
	return SandboxBaseURL
}

// isShortcode reports whether s is 5 to 7 ASCII digits.
func isShortcode(s string) bool {
	if len(s) < 5 || len(s) > 7 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
