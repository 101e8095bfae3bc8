// Package stores owns the tenant itself: a store, its members and its M-Pesa
// credentials.
package stores

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
)

// Store statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Member roles within a store.
const (
	RoleOwner = "owner"
	RoleStaff = "staff"
)

// ErrSlugTaken is returned when another store already has the slug.
var ErrSlugTaken = errors.New("stores: this address is already taken")

// Store is a merchant's shop: the tenant every other row belongs to.
type Store struct {
	bun.BaseModel `bun:"table:stores"`

	ID       string `bun:",pk" json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	OwnerID  string `json:"-"`
	Status   string `json:"status"`
	Currency string `json:"currency"`
	OrderSeq int64  `json:"-"`
	// PendingTTLSeconds is how long an unpaid order holds its stock.
	PendingTTLSeconds int64     `json:"pending_ttl_seconds"`
	CreatedAt         time.Time `json:"created_at"`
	// Branding shown on the storefront (profile.go).
	Tagline     string `json:"tagline"`
	Logo        string `json:"logo,omitempty"`
	BrandColor  string `json:"brand_color,omitempty"`
	AccentColor string `json:"accent_color,omitempty"`
	// Where and how the merchant hears of new paid orders (prefs.go).
	NotifyEmail     string `json:"-"`
	NotifyPhone     string `json:"-"`
	NotifyPaidEmail bool   `json:"-"`
	NotifyPaidSMS   bool   `json:"-"`
}

// DefaultPendingTTL is how long a new store's unpaid orders hold stock.
const DefaultPendingTTL = 30 * time.Minute

// PendingTTL is how long this store's unpaid orders hold stock.
func (s *Store) PendingTTL() time.Duration { return time.Duration(s.PendingTTLSeconds) * time.Second }

// Active tells whether the store takes orders.
func (s *Store) Active() bool { return s.Status == StatusActive }

type member struct {
	bun.BaseModel `bun:"table:store_members"`

	StoreID   string `bun:",pk"`
	UserID    string `bun:",pk"`
	Role      string
	CreatedAt time.Time
}

var slugRe = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{1,38}[a-z0-9])$`)

// reservedSlugs would collide with platform hostnames or paths.
// "new" and "signup" are dashboard pages (/dashboard/new, /dashboard/signup).
var reservedSlugs = map[string]bool{"admin": true, "api": true, "www": true, "dashboard": true, "daraja": true, "static": true,
	"new": true, "signup": true}

// Create opens a store owned by ownerID.
func Create(ctx context.Context, idb bun.IDB, ownerID, slug, name string) (*Store, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	name = strings.TrimSpace(name)
	if !slugRe.MatchString(slug) {
		return nil, input.Invalid("slug", "Use 3 to 40 lowercase letters, digits or dashes for the web address, not starting or ending with a dash.")
	}
	if reservedSlugs[slug] {
		return nil, input.Invalid("slug", "This web address is kept for SokoHub's own pages. Please choose another.")
	}
	if name == "" || len(name) > 80 {
		return nil, input.Invalid("name", "Enter the store's name (up to 80 characters).")
	}
	now := db.Now()
	s := &Store{ID: db.NewID("sto"), Slug: slug, Name: name, OwnerID: ownerID, Status: StatusActive, Currency: "KES",
		PendingTTLSeconds: int64(DefaultPendingTTL / time.Second), CreatedAt: now, NotifyPaidEmail: true}
	err := db.RunInTx(ctx, idb, func(ctx context.Context, tx bun.IDB) error {
		if _, err := tx.NewInsert().Model(s).Exec(ctx); err != nil {
			if db.IsUniqueViolation(err) {
				return ErrSlugTaken
			}
			return err
		}
		_, err := tx.NewInsert().Model(&member{StoreID: s.ID, UserID: ownerID, Role: RoleOwner, CreatedAt: now}).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// BySlug loads a store by its slug.
func BySlug(ctx context.Context, idb bun.IDB, slug string) (*Store, error) {
	s := new(Store)
	err := idb.NewSelect().Model(s).Where("slug = ?", slug).Scan(ctx)
	return s, db.NotFound(err)
}

// ByID loads a store by id.
func ByID(ctx context.Context, idb bun.IDB, id string) (*Store, error) {
	s := new(Store)
	err := idb.NewSelect().Model(s).Where("id = ?", id).Scan(ctx)
	return s, db.NotFound(err)
}

// Role returns userID's role in store storeID, or ErrNotFound when the user
// is not a member.
func Role(ctx context.Context, idb bun.IDB, storeID, userID string) (string, error) {
	m := new(member)
	err := idb.NewSelect().Model(m).Where("store_id = ?", storeID).Where("user_id = ?", userID).Scan(ctx)
	return m.Role, db.NotFound(err)
}

// NextOrderNumber takes the store's next order number inside tx. The row
// lock it takes is short: the rest of checkout happens in the same tx.
func NextOrderNumber(ctx context.Context, tx bun.IDB, storeID string) (int64, error) {
	var n int64
	err := tx.NewUpdate().Model((*Store)(nil)).Set("order_seq = order_seq + 1").
		Where("id = ?", storeID).Returning("order_seq").Scan(ctx, &n)
	return n + 1000, db.NotFound(err)
}

// SetPendingTTL sets how long storeID's unpaid orders hold stock, in
// minutes (5 minutes to 7 days; a prompt itself lives about a minute).
func SetPendingTTL(ctx context.Context, idb bun.IDB, storeID string, minutes int64) (*Store, error) {
	if minutes < 5 || minutes > 7*24*60 {
		return nil, input.Invalid("pending_ttl_minutes", "Choose a time between 5 minutes and 7 days (10,080 minutes).")
	}
	s := new(Store)
	err := idb.NewUpdate().Model(s).Set("pending_ttl_seconds = ?", minutes*60).Where("id = ?", storeID).
		Returning("*").Scan(ctx)
	return s, db.NotFound(err)
}
