package app

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/notify"
)

// notifyProviders builds the SMS and email providers the configuration
// names; nil ones mean the log provider (the dev outbox).
func notifyProviders(c config.Notify, log *slog.Logger) (sms, email notify.Provider) {
	if c.SMSProvider == config.ProviderAfricasTalking {
		sms = &notify.AfricasTalking{BaseURL: c.SMSURL, Username: c.SMSUsername, APIKey: c.SMSAPIKey, Sender: c.SMSSender,
			Client: &http.Client{Timeout: 15 * time.Second}}
	}
	if c.SMTPAddr != "" {
		email = &notify.SMTP{Addr: c.SMTPAddr, Username: c.SMTPUsername, Password: c.SMTPPassword, From: c.SMTPFrom,
			StartTLS: c.SMTPStartTLS}
	}
	log.Info("notification providers", "sms", providerName(sms), "email", providerName(email))
	return sms, email
}

func providerName(p notify.Provider) string {
	if p == nil {
		return "log"
	}
	return p.Name()
}
