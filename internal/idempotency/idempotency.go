// Package idempotency makes a retried request safe, with Stripe's
// semantics: the same Idempotency-Key with the same body gets the first
// response again; with another body, 422; while the first is still being
// handled, 409. Records live in the database, so every gateway replica
// agrees.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// Errors Begin returns for a key seen before.
var (
	ErrInFlight = errors.New("idempotency: a request with this Idempotency-Key is still being processed")
	ErrMismatch = errors.New("idempotency: this Idempotency-Key was used with a different request")
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

const (
	statusInFlight = "in_flight"
	statusDone     = "done"
)

type record struct {
	bun.BaseModel `bun:"table:idempotency_keys"`

	StoreID        string `bun:",pk"`
	Scope          string `bun:",pk"`
	Key            string `bun:",pk"`
	RequestHash    string
	Status         string
	ResponseStatus int64
	ResponseBody   string
	CreatedAt      time.Time
}

// Response is a stored answer to replay.
type Response struct {
	Status int
	Body   []byte
}

// Store keeps idempotency records.
type Store struct{ db bun.IDB }

// NewStore returns a Store on idb.
func NewStore(idb bun.IDB) *Store { return &Store{db: idb} }

// Begin claims key for a request with body under storeID and scope (the
// route). It returns a stored response to replay, or nil when the caller
// should handle the request and then call Finish (or Abandon).
func (s *Store) Begin(ctx context.Context, storeID, scope, key string, body []byte) (*Response, error) {
	sum := sha256.Sum256(body)
	r := &record{StoreID: storeID, Scope: scope, Key: key, RequestHash: hex.EncodeToString(sum[:]),
		Status: statusInFlight, CreatedAt: db.Now()}
	res, err := s.db.NewInsert().Model(r).On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return nil, err
	}
	if db.Affected(res) == 1 {
		return nil, nil
	}
	prev := new(record)
	if err := s.db.NewSelect().Model(prev).Where("store_id = ?", storeID).Where("scope = ?", scope).
		Where("key = ?", key).Scan(ctx); err != nil {
		return nil, err
	}
	if prev.CreatedAt.Before(db.Now().Add(-TTL)) {
		// Expired: forget it and start over.
		if _, err := s.db.NewDelete().Model(prev).WherePK().Where("created_at = ?", prev.CreatedAt).Exec(ctx); err != nil {
			return nil, err
		}
		return s.Begin(ctx, storeID, scope, key, body)
	}
	switch {
	case prev.RequestHash != r.RequestHash:
		return nil, ErrMismatch
	case prev.Status == statusInFlight:
		return nil, ErrInFlight
	}
	return &Response{Status: int(prev.ResponseStatus), Body: []byte(prev.ResponseBody)}, nil
}

// Finish stores the response to key's request for replay.
func (s *Store) Finish(ctx context.Context, storeID, scope, key string, resp Response) error {
	_, err := s.db.NewUpdate().Model((*record)(nil)).Set("status = ?", statusDone).
		Set("response_status = ?", resp.Status).Set("response_body = ?", string(resp.Body)).
		Where("store_id = ?", storeID).Where("scope = ?", scope).Where("key = ?", key).Exec(ctx)
	return err
}

// Abandon forgets key after a failure that did not change anything (a
// server error), so the client's retry runs again.
func (s *Store) Abandon(ctx context.Context, storeID, scope, key string) error {
	_, err := s.db.NewDelete().Model((*record)(nil)).
		Where("store_id = ?", storeID).Where("scope = ?", scope).Where("key = ?", key).
		Where("status = ?", statusInFlight).Exec(ctx)
	return err
}
