package auth

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/tokens"
)

// SessionTTL is how long a browser session lasts; people log in again
// after it, whatever they were doing.
const SessionTTL = 12 * time.Hour

// Session is a browser login, stored server-side: the cookie holds only a
// random token whose hash is the row's key, so ending the row ends the
// login everywhere at once.
type Session struct {
	bun.BaseModel `bun:"table:auth_sessions"`

	TokenHash string `bun:",pk"`
	UserID    string
	IP        string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// StartSession opens a session for userID from address ip and returns the
// cookie value, shown to nobody but the browser.
func (s *Service) StartSession(ctx context.Context, userID, ip string) (string, *Session, error) {
	raw, hash := tokens.New("sess_")
	now := db.Now()
	sess := &Session{TokenHash: hash, UserID: userID, IP: strings.Clone(ip), CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if _, err := s.db.NewInsert().Model(sess).Exec(ctx); err != nil {
		return "", nil, err
	}
	return raw, sess, nil
}

// SessionUser returns the live session raw opens and its user, or
// ErrInvalidToken.
func (s *Service) SessionUser(ctx context.Context, raw string) (*User, *Session, error) {
	if raw == "" {
		return nil, nil, ErrInvalidToken
	}
	sess := new(Session)
	err := s.db.NewSelect().Model(sess).Where("token_hash = ?", tokens.Hash(raw)).Where("expires_at > ?", db.Now()).Scan(ctx)
	if err != nil {
		if db.NotFound(err) == db.ErrNotFound {
			return nil, nil, ErrInvalidToken
		}
		return nil, nil, err
	}
	u, err := s.ByID(ctx, sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	return u, sess, nil
}

// EndSession logs the session out. Ending one that is already gone is
// not an error: logging out twice is fine.
func (s *Service) EndSession(ctx context.Context, raw string) error {
	_, err := s.db.NewUpdate().Model((*Session)(nil)).Set("expires_at = ?", db.Now()).
		Where("token_hash = ?", tokens.Hash(raw)).Exec(ctx)
	return err
}
