package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/tokens"
)

// API key scopes: what a seller's system may do with a key.
const (
	ScopeOrdersRead    = "orders:read"
	ScopeOrdersWrite   = "orders:write"
	ScopeProductsWrite = "products:write"
)

// Scopes lists every scope a key may carry.
var Scopes = []string{ScopeOrdersRead, ScopeOrdersWrite, ScopeProductsWrite}

// KeyPrefix starts every API key, so a bearer value tells which kind it is
// (and secret scanners can spot a leaked one).
const KeyPrefix = "sk_"

// lastUsedEvery bounds how often a key's last-used time is written: a
// busy integration should not turn every read into a write.
const lastUsedEvery = time.Minute

// APIKey is a store's key for a seller's system. Only its hash is stored;
// the key itself is shown once, when it is made.
type APIKey struct {
	bun.BaseModel `bun:"table:api_keys"`

	ID         string     `bun:",pk" json:"id"`
	StoreID    string     `json:"-"`
	Name       string     `json:"name"`
	KeyHash    string     `json:"-"`
	Last4      string     `json:"last4"`
	Scopes     string     `json:"-"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// ScopeList is the key's scopes.
func (k *APIKey) ScopeList() []string { return strings.Fields(k.Scopes) }

// CreateKey makes a key for storeID with scopes and returns it with the
// key's value, which is never shown again.
func (s *Service) CreateKey(ctx context.Context, storeID, createdBy, name string, scopes []string) (*APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 80 {
		return nil, "", input.Invalid("name", "name the key after the system that uses it (up to 80 characters)")
	}
	if len(scopes) == 0 {
		return nil, "", input.Invalid("scopes", "give the key at least one of "+strings.Join(Scopes, ", "))
	}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			return nil, "", input.Invalid("scopes", "unknown scope "+sc+"; known: "+strings.Join(Scopes, ", "))
		}
	}
	raw, hash := tokens.New(KeyPrefix)
	sorted := slices.Compact(slices.Sorted(slices.Values(scopes)))
	k := &APIKey{ID: db.NewID("key"), StoreID: storeID, Name: name, KeyHash: hash, Last4: raw[len(raw)-4:],
		Scopes: strings.Join(sorted, " "), CreatedBy: createdBy, CreatedAt: db.Now()}
	if _, err := s.db.NewInsert().Model(k).Exec(ctx); err != nil {
		return nil, "", err
	}
	return k, raw, nil
}

// Keys lists storeID's keys, revoked ones included, newest first.
func (s *Service) Keys(ctx context.Context, storeID string) ([]APIKey, error) {
	ks := []APIKey{}
	err := s.db.NewSelect().Model(&ks).Where("store_id = ?", storeID).Order("created_at DESC").Scan(ctx)
	return ks, err
}

// RevokeKey stops key id of storeID from working, at once.
func (s *Service) RevokeKey(ctx context.Context, storeID, id string) (*APIKey, error) {
	k := new(APIKey)
	err := s.db.NewUpdate().Model(k).Set("revoked_at = ?", db.Now()).
		Where("id = ?", id).Where("store_id = ?", storeID).Where("revoked_at IS NULL").Returning("*").Scan(ctx)
	return k, db.NotFound(err)
}

// RevokeKeysOf revokes every key userID made for storeID: a member who
// leaves takes their integrations' access with them.
func (s *Service) RevokeKeysOf(ctx context.Context, storeID, userID string) error {
	_, err := s.db.NewUpdate().Model((*APIKey)(nil)).Set("revoked_at = ?", db.Now()).
		Where("store_id = ?", storeID).Where("created_by = ?", userID).Where("revoked_at IS NULL").Exec(ctx)
	return err
}

// AuthenticateKey returns the live key raw is, and notes its use.
func (s *Service) AuthenticateKey(ctx context.Context, raw string) (*APIKey, error) {
	k := new(APIKey)
	err := s.db.NewSelect().Model(k).Where("key_hash = ?", tokens.Hash(raw)).Where("revoked_at IS NULL").Scan(ctx)
	if err != nil {
		if db.NotFound(err) == db.ErrNotFound {
			return nil, ErrInvalidToken
		}
		return nil, err
	}
	now := db.Now()
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= lastUsedEvery {
		if _, err := s.db.NewUpdate().Model(k).Set("last_used_at = ?", now).Where("id = ?", k.ID).Exec(ctx); err != nil {
			return nil, err
		}
		k.LastUsedAt = &now
	}
	return k, nil
}
