package stores

import (
	"context"
	"regexp"
	"strings"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
)

// Profile is what a merchant edits about how the store looks: its name,
// a one-line tagline, a logo (a media name, "" for none) and two colours
// (#rrggbb, "" for the platform's).
type Profile struct {
	Name        string
	Tagline     string
	Logo        string
	BrandColor  string
	AccentColor string
}

var colorRe = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// mediaNameRe matches what internal/media names an upload.
var mediaNameRe = regexp.MustCompile(`^[a-z0-9_-]{1,80}$`)

// UpdateProfile validates p and saves it as storeID's profile.
func UpdateProfile(ctx context.Context, idb bun.IDB, storeID string, p Profile) (*Store, error) {
	p.Name, p.Tagline = strings.TrimSpace(p.Name), strings.TrimSpace(p.Tagline)
	p.BrandColor, p.AccentColor = strings.ToLower(strings.TrimSpace(p.BrandColor)), strings.ToLower(strings.TrimSpace(p.AccentColor))
	switch {
	case p.Name == "" || len(p.Name) > 80:
		return nil, input.Invalid("name", "Enter the store's name (up to 80 characters).")
	case len(p.Tagline) > 140:
		return nil, input.Invalid("tagline", "Keep the tagline under 140 characters.")
	case p.BrandColor != "" && !colorRe.MatchString(p.BrandColor):
		return nil, input.Invalid("brand_color", "Pick a main colour, like #0b6e3a.")
	case p.AccentColor != "" && !colorRe.MatchString(p.AccentColor):
		return nil, input.Invalid("accent_color", "Pick a button colour, like #f5b700.")
	case p.Logo != "" && !mediaNameRe.MatchString(p.Logo):
		return nil, input.Invalid("logo", "Please upload the logo again.")
	}
	s := new(Store)
	err := idb.NewUpdate().Model(s).Set("name = ?", p.Name).Set("tagline = ?", p.Tagline).Set("logo = ?", p.Logo).
		Set("brand_color = ?", p.BrandColor).Set("accent_color = ?", p.AccentColor).
		Where("id = ?", storeID).Returning("*").Scan(ctx)
	return s, db.NotFound(err)
}

// ForUser lists the stores userID is a member of, oldest first.
func ForUser(ctx context.Context, idb bun.IDB, userID string) ([]Store, error) {
	ss := []Store{}
	err := idb.NewSelect().Model(&ss).
		Where("id IN (SELECT store_id FROM store_members WHERE user_id = ?)", userID).
		Order("created_at", "id").Scan(ctx)
	return ss, err
}
