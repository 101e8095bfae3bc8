package stores

import (
	"context"
	"net/mail"
	"strings"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/mpesa"
)

// NotificationPrefs say how the merchant hears of a new paid order: by
// email, by SMS, both or neither. An empty address means the owner's
// account email (for email) and nothing (for SMS).
type NotificationPrefs struct {
	Email     string
	Phone     string
	PaidEmail bool
	PaidSMS   bool
}

// Prefs returns s's notification preferences.
func (s *Store) Prefs() NotificationPrefs {
	return NotificationPrefs{Email: s.NotifyEmail, Phone: s.NotifyPhone, PaidEmail: s.NotifyPaidEmail, PaidSMS: s.NotifyPaidSMS}
}

// UpdatePrefs validates p (normalising the phone) and saves it for storeID.
func UpdatePrefs(ctx context.Context, idb bun.IDB, storeID string, p NotificationPrefs) (NotificationPrefs, error) {
	p.Email, p.Phone = strings.TrimSpace(p.Email), strings.TrimSpace(p.Phone)
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
			return p, input.Invalid("notify_email", "Enter an email address like you@example.com, or leave it empty.")
		}
	}
	if p.Phone != "" {
		msisdn, err := mpesa.NormalizePhone(p.Phone)
		if err != nil {
			return p, input.Invalid("notify_phone", err.Error())
		}
		p.Phone = msisdn
	}
	if p.PaidSMS && p.Phone == "" {
		return p, input.Invalid("notify_phone", "Enter the phone number that should get the SMS.")
	}
	res, err := idb.NewUpdate().Model((*Store)(nil)).Set("notify_email = ?", p.Email).Set("notify_phone = ?", p.Phone).
		Set("notify_paid_email = ?", p.PaidEmail).Set("notify_paid_sms = ?", p.PaidSMS).
		Where("id = ?", storeID).Exec(ctx)
	if err == nil && db.Affected(res) == 0 {
		err = db.ErrNotFound
	}
	return p, err
}
