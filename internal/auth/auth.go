// Package auth owns users, their passwords and their API bearer tokens.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/tokens"
)

// Errors callers map to HTTP answers.
var (
	// ErrBadCredentials is the one answer to any failed login, so it never
	// tells whether the email exists.
	ErrBadCredentials = errors.New("auth: email or password is wrong")
	ErrEmailTaken     = errors.New("auth: an account with this email already exists")
	ErrInvalidToken   = errors.New("auth: token is missing, wrong or expired")
)

// TokenTTL is how long a bearer token stays valid.
const TokenTTL = 30 * 24 * time.Hour

// User is an account: a merchant, a member of staff or a platform admin.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID           string    `bun:",pk" json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

type token struct {
	bun.BaseModel `bun:"table:auth_tokens"`

	TokenHash string `bun:",pk"`
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Service creates and authenticates users.
type Service struct {
	db bun.IDB
	// cost is bcrypt's work factor; tests lower it.
	cost int
}

// NewService returns a Service on idb.
func NewService(idb bun.IDB) *Service { return &Service{db: idb, cost: bcrypt.DefaultCost} }

// WithCost returns a copy hashing with bcrypt cost c (tests use the minimum).
func (s *Service) WithCost(c int) *Service { cp := *s; cp.cost = c; return &cp }

// Signup creates a user and a first token for it.
func (s *Service) Signup(ctx context.Context, email, password, name string) (*User, string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if _, err := mail.ParseAddress(email); err != nil || !strings.Contains(email, "@") {
		return nil, "", input.Invalid("email", "enter a valid email address")
	}
	if len(password) < 8 || len(password) > 72 {
		return nil, "", input.Invalid("password", "use 8 to 72 characters")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, "", input.Invalid("name", "enter your name (up to 100 characters)")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return nil, "", fmt.Errorf("auth: hash password: %w", err)
	}
	u := &User{ID: db.NewID("usr"), Email: email, Name: name, PasswordHash: string(hash), CreatedAt: db.Now()}
	var tok string
	err = db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
		if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
			if db.IsUniqueViolation(err) {
				return ErrEmailTaken
			}
			return err
		}
		tok, err = issue(ctx, tx, u.ID)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return u, tok, nil
}

// Login checks email and password and returns a new token.
func (s *Service) Login(ctx context.Context, email, password string) (string, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Scan(ctx)
	if err != nil {
		// Spend the same time as a real check so timing does not reveal
		// which emails have accounts.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3bYlDMKJv/6l0M4/dpI.j6K"), []byte(password))
		if db.NotFound(err) == db.ErrNotFound {
			return "", ErrBadCredentials
		}
		return "", err
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return "", ErrBadCredentials
	}
	return issue(ctx, s.db, u.ID)
}

// Authenticate returns the user a bearer token belongs to.
func (s *Service) Authenticate(ctx context.Context, bearer string) (*User, error) {
	if bearer == "" {
		return nil, ErrInvalidToken
	}
	u := new(User)
	err := s.db.NewSelect().Model(u).
		Join("JOIN auth_tokens AS t ON t.user_id = ?TableAlias.id").
		Where("t.token_hash = ?", tokens.Hash(bearer)).Where("t.expires_at > ?", db.Now()).
		Scan(ctx)
	if err != nil {
		if db.NotFound(err) == db.ErrNotFound {
			return nil, ErrInvalidToken
		}
		return nil, err
	}
	return u, nil
}

// issue makes a token for userID; only its hash is stored.
func issue(ctx context.Context, idb bun.IDB, userID string) (string, error) {
	tok, hash := tokens.New("shk_")
	now := db.Now()
	_, err := idb.NewInsert().Model(&token{TokenHash: hash, UserID: userID, CreatedAt: now, ExpiresAt: now.Add(TokenTTL)}).Exec(ctx)
	return tok, err
}
