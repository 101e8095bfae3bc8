package notify

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
)

// Settings are a store's sender names: what its customers see a message
// come from. Empty fields mean the platform default (the SMS account's
// sender id; the store's name as the email display name).
type Settings struct {
	bun.BaseModel `bun:"table:notification_settings"`

	StoreID string `bun:",pk" json:"-"`
	// SMSSenderID is an alphanumeric sender id (up to 11 letters and
	// digits) or a shortcode, approved for the platform's SMS account.
	SMSSenderID string `json:"sms_sender_id"`
	// EmailFromName is the display name of customer emails.
	EmailFromName string    `json:"email_from_name"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
}

var senderIDRe = regexp.MustCompile(`^(?:[A-Za-z0-9]{1,11}|[0-9]{3,15})$`)

// GetSettings returns storeID's sender names (empty ones if never set).
func GetSettings(ctx context.Context, idb bun.IDB, storeID string) (*Settings, error) {
	s := &Settings{StoreID: storeID}
	err := idb.NewSelect().Model(s).WherePK().Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	return s, err
}

// SaveSettings validates and stores storeID's sender names.
func SaveSettings(ctx context.Context, idb bun.IDB, storeID string, in Settings) (*Settings, error) {
	in.SMSSenderID, in.EmailFromName = strings.TrimSpace(in.SMSSenderID), oneLine(in.EmailFromName)
	if in.SMSSenderID != "" && !senderIDRe.MatchString(in.SMSSenderID) {
		return nil, input.Invalid("sms_sender_id", "use up to 11 letters and digits (an approved sender id), or a shortcode")
	}
	if len(in.EmailFromName) > 60 {
		return nil, input.Invalid("email_from_name", "use at most 60 characters")
	}
	in.StoreID, in.UpdatedAt = storeID, db.Now()
	_, err := idb.NewInsert().Model(&in).On("CONFLICT (store_id) DO UPDATE").
		Set("sms_sender_id = EXCLUDED.sms_sender_id").Set("email_from_name = EXCLUDED.email_from_name").
		Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	return &in, err
}
