package auth

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
)

// SupportMaxTTL is the longest a platform admin may act as a store's owner
// in one grant.
const SupportMaxTTL = time.Hour

// SupportGrant is a platform admin acting as a store's owner from one
// browser session, for a stated reason and a bounded time.
type SupportGrant struct {
	bun.BaseModel `bun:"table:support_grants"`

	ID          string `bun:",pk" json:"id"`
	SessionHash string `json:"-"`
	ActorID     string `json:"actor_id"`
	StoreID     string `json:"store_id"`
	SubjectID   string `json:"subject_id"`
	// SubjectEmail names the owner in the audit log and the banner.
	SubjectEmail string     `json:"subject_email"`
	Reason       string     `json:"reason"`
	CreatedAt    time.Time  `json:"created_at"`
	ExpiresAt    time.Time  `json:"expires_at"`
	EndedAt      *time.Time `json:"ended_at"`
}

// StartSupport opens a grant for sess's user to act as subject, the owner
// of storeID, for ttl (at most SupportMaxTTL). It ends any grant the
// session already had.
func (s *Service) StartSupport(ctx context.Context, sess *Session, storeID string, subject *User, reason string, ttl time.Duration) (*SupportGrant, error) {
	reason = strings.TrimSpace(reason)
	if len(reason) < 10 || len(reason) > 500 {
		return nil, input.Invalid("reason", "Say why you need to act as the owner, in 10 to 500 characters.")
	}
	if ttl <= 0 || ttl > SupportMaxTTL {
		ttl = SupportMaxTTL
	}
	now := db.Now()
	// A grant never outlives the session it is bound to.
	until := now.Add(ttl)
	if sess.ExpiresAt.Before(until) {
		until = sess.ExpiresAt
	}
	g := &SupportGrant{ID: db.NewID("sup"), SessionHash: sess.TokenHash, ActorID: sess.UserID, StoreID: storeID,
		SubjectID: subject.ID, SubjectEmail: subject.Email, Reason: reason, CreatedAt: now, ExpiresAt: until}
	err := db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
		if err := endSupport(ctx, tx, sess.TokenHash, now); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(g).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// ActiveSupport returns sess's live grant, or nil when it has none.
func (s *Service) ActiveSupport(ctx context.Context, sess *Session) (*SupportGrant, error) {
	g := new(SupportGrant)
	err := s.db.NewSelect().Model(g).Where("session_hash = ?", sess.TokenHash).Where("ended_at IS NULL").
		Where("expires_at > ?", db.Now()).Order("created_at DESC").Limit(1).Scan(ctx)
	if db.NotFound(err) == db.ErrNotFound {
		return nil, nil
	}
	return g, err
}

// EndSupport ends sess's grant, if any.
func (s *Service) EndSupport(ctx context.Context, sess *Session) error {
	return endSupport(ctx, s.db, sess.TokenHash, db.Now())
}

func endSupport(ctx context.Context, idb bun.IDB, sessionHash string, now time.Time) error {
	_, err := idb.NewUpdate().Model((*SupportGrant)(nil)).Set("ended_at = ?", now).
		Where("session_hash = ?", sessionHash).Where("ended_at IS NULL").Exec(ctx)
	return err
}
