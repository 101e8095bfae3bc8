// Package auth owns users, their passwords, API bearer tokens, browser
// sessions, per-store API keys and the login rate limits.
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
	// ErrTooManyAttempts answers a login while the account or the address
	// is over its failed-login limit; it says nothing about the password.
	ErrTooManyAttempts = errors.New("auth: too many failed logins; wait a few minutes and try again")
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
	// limits counts failed logins; nil means unlimited (unit tests).
	limits *Limiter
}

// NewService returns a Service on idb.
func NewService(idb bun.IDB) *Service { return &Service{db: idb, cost: bcrypt.DefaultCost} }

// WithCost returns a copy hashing with bcrypt cost c (tests use the minimum).
func (s *Service) WithCost(c int) *Service { cp := *s; cp.cost = c; return &cp }

// WithLimiter returns a copy that refuses logins over l's limits.
func (s *Service) WithLimiter(l *Limiter) *Service { cp := *s; cp.limits = l; return &cp }

// Signup creates a user and a first token for it.
func (s *Service) Signup(ctx context.Context, email, password, name string) (*User, string, error) {
	u, err := s.newUser(email, password, name)
	if err != nil {
		return nil, "", err
	}
	var tok string
	err = db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
		if err := insertUser(ctx, tx, u); err != nil {
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

// CreateUser creates a user without a token: accounts made by an operator
// (sokohub admin create-user) or by accepting an invitation.
func (s *Service) CreateUser(ctx context.Context, email, password, name string) (*User, error) {
	u, err := s.newUser(email, password, name)
	if err != nil {
		return nil, err
	}
	return u, insertUser(ctx, s.db, u)
}

// ByEmail loads the user with email.
func (s *Service) ByEmail(ctx context.Context, email string) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("email = ?", normalEmail(email)).Scan(ctx)
	return u, db.NotFound(err)
}

// ByID loads the user with id.
func (s *Service) ByID(ctx context.Context, id string) (*User, error) {
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	return u, db.NotFound(err)
}

func (s *Service) newUser(email, password, name string) (*User, error) {
	email = normalEmail(email)
	if _, err := mail.ParseAddress(email); err != nil || !strings.Contains(email, "@") {
		return nil, input.Invalid("email", "Enter a valid email address, like you@example.com.")
	}
	if len(password) < 8 || len(password) > 72 {
		return nil, input.Invalid("password", "Use a password of 8 to 72 characters.")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, input.Invalid("name", "Enter your name (up to 100 characters).")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.cost)
	if err != nil {
		return nil, fmt.Errorf("auth: hash password: %w", err)
	}
	return &User{ID: db.NewID("usr"), Email: email, Name: name, PasswordHash: string(hash), CreatedAt: db.Now()}, nil
}

func insertUser(ctx context.Context, idb bun.IDB, u *User) error {
	if _, err := idb.NewInsert().Model(u).Exec(ctx); err != nil {
		if db.IsUniqueViolation(err) {
			return ErrEmailTaken
		}
		return err
	}
	return nil
}

func normalEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Login checks email and password (see Verify) and returns a new bearer
// token.
func (s *Service) Login(ctx context.Context, email, password, ip string) (string, error) {
	u, err := s.Verify(ctx, email, password, ip)
	if err != nil {
		return "", err
	}
	return issue(ctx, s.db, u.ID)
}

// Verify checks email and password from address ip and returns the user.
// Every failure is ErrBadCredentials, or ErrTooManyAttempts once the
// account or the address has failed too often; both the API and the
// session login come through here, so they share the limits.
func (s *Service) Verify(ctx context.Context, email, password, ip string) (*User, error) {
	email = normalEmail(email)
	if err := s.limits.check(ctx, email, ip); err != nil {
		return nil, err
	}
	u := new(User)
	err := s.db.NewSelect().Model(u).Where("email = ?", email).Scan(ctx)
	if err != nil {
		// Spend the same time as a real check so timing does not reveal
		// which emails have accounts.
		_ = bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOhi5BWX4Z3bYlDMKJv/6l0M4/dpI.j6K"), []byte(password))
		if db.NotFound(err) != db.ErrNotFound {
			return nil, err
		}
	} else if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) == nil {
		s.limits.succeeded(ctx, email, ip)
		return u, nil
	}
	return nil, ErrBadCredentials // counted already, by check
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
