package config

import (
	"fmt"
	"net"
	"net/mail"
	"strings"
)

// Notification providers.
const (
	ProviderLog            = "log"
	ProviderAfricasTalking = "africastalking"
)

// Notify configures how SMS and email leave the platform. With nothing set
// both go to the log provider (the dev outbox): messages are stored and
// logged, never sent.
type Notify struct {
	// SMSProvider is SOKOHUB_SMS_PROVIDER: "log" (the default) or
	// "africastalking".
	SMSProvider string
	// SMSURL is SOKOHUB_SMS_URL, Africa's Talking's API base. Defaults to
	// https://api.africastalking.com (the sandbox is
	// https://api.sandbox.africastalking.com with username "sandbox").
	SMSURL string
	// SMSUsername and SMSAPIKey are SOKOHUB_SMS_USERNAME and
	// SOKOHUB_SMS_API_KEY, the account's; both required for Africa's
	// Talking.
	SMSUsername string
	SMSAPIKey   string
	// SMSSender is SOKOHUB_SMS_SENDER, the platform's approved sender id,
	// used when a store has none of its own. Empty means the account's
	// default.
	SMSSender string
	// SMTPAddr is SOKOHUB_SMTP_ADDR (host:port, usually port 587). Empty
	// means emails go to the log provider.
	SMTPAddr string
	// SMTPUsername and SMTPPassword are SOKOHUB_SMTP_USERNAME and
	// SOKOHUB_SMTP_PASSWORD for AUTH PLAIN; empty means no AUTH.
	SMTPUsername string
	SMTPPassword string
	// SMTPFrom is SOKOHUB_SMTP_FROM, the address emails come from (the
	// display name is the store's). Required with SMTPAddr.
	SMTPFrom string
	// SMTPStartTLS is SOKOHUB_SMTP_STARTTLS; defaults to true, and
	// production refuses false (passwords and messages in clear).
	SMTPStartTLS bool
}

func loadNotify(mode Mode, getenv func(string) string) (Notify, error) {
	n := Notify{
		SMSProvider:  or(strings.ToLower(strings.TrimSpace(getenv("SOKOHUB_SMS_PROVIDER"))), ProviderLog),
		SMSURL:       strings.TrimRight(or(getenv("SOKOHUB_SMS_URL"), "https://api.africastalking.com"), "/"),
		SMSUsername:  strings.TrimSpace(getenv("SOKOHUB_SMS_USERNAME")),
		SMSAPIKey:    strings.TrimSpace(getenv("SOKOHUB_SMS_API_KEY")),
		SMSSender:    strings.TrimSpace(getenv("SOKOHUB_SMS_SENDER")),
		SMTPAddr:     strings.TrimSpace(getenv("SOKOHUB_SMTP_ADDR")),
		SMTPUsername: getenv("SOKOHUB_SMTP_USERNAME"),
		SMTPPassword: getenv("SOKOHUB_SMTP_PASSWORD"),
		SMTPFrom:     strings.TrimSpace(getenv("SOKOHUB_SMTP_FROM")),
		SMTPStartTLS: true,
	}
	switch v := strings.ToLower(getenv("SOKOHUB_SMTP_STARTTLS")); v {
	case "", "true", "1", "yes":
	case "false", "0", "no":
		n.SMTPStartTLS = false
	default:
		return n, fmt.Errorf("SOKOHUB_SMTP_STARTTLS must be true or false, not %q", v)
	}
	return n, n.validate(mode)
}

func (n Notify) validate(mode Mode) error {
	switch n.SMSProvider {
	case ProviderLog:
	case ProviderAfricasTalking:
		if n.SMSUsername == "" || n.SMSAPIKey == "" {
			return fmt.Errorf("SOKOHUB_SMS_USERNAME and SOKOHUB_SMS_API_KEY are required with SOKOHUB_SMS_PROVIDER=%s", n.SMSProvider)
		}
		if err := checkURL("SOKOHUB_SMS_URL", n.SMSURL); err != nil {
			return err
		}
		if mode == ModeProduction && !strings.HasPrefix(n.SMSURL, "https://") {
			return fmt.Errorf("SOKOHUB_SMS_URL must be https in production (it carries the API key)")
		}
		if len(n.SMSSender) > 11 && strings.ContainsFunc(n.SMSSender, func(r rune) bool { return r < '0' || r > '9' }) {
			return fmt.Errorf("SOKOHUB_SMS_SENDER must be an approved sender id of at most 11 characters, or a shortcode")
		}
	default:
		return fmt.Errorf("SOKOHUB_SMS_PROVIDER must be %s or %s, not %q", ProviderLog, ProviderAfricasTalking, n.SMSProvider)
	}
	if n.SMTPAddr == "" {
		return nil
	}
	if host, port, err := net.SplitHostPort(n.SMTPAddr); err != nil || host == "" || port == "" {
		return fmt.Errorf("SOKOHUB_SMTP_ADDR must be host:port, e.g. smtp.example.com:587")
	}
	if a, err := mail.ParseAddress(n.SMTPFrom); err != nil || a.Name != "" {
		return fmt.Errorf("SOKOHUB_SMTP_FROM must be a plain email address, e.g. orders@sokohub.example")
	}
	if (n.SMTPUsername == "") != (n.SMTPPassword == "") {
		return fmt.Errorf("set both SOKOHUB_SMTP_USERNAME and SOKOHUB_SMTP_PASSWORD, or neither")
	}
	if mode == ModeProduction && !n.SMTPStartTLS {
		return fmt.Errorf("SOKOHUB_SMTP_STARTTLS cannot be false in production")
	}
	return nil
}
