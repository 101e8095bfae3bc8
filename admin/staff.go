package admin

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/internal/tokens"
	"github.com/sokohub/sokohub/tenants/stores"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// Errors of staff management.
var (
	ErrInvitationUsed = errors.New("admin: this invitation was already used or has expired")
	ErrWrongAccount   = errors.New("admin: this invitation is for another email address; log in with that one")
	ErrStoreOwner     = errors.New("admin: the store's owner keeps their role; transfer the store first")
)

// Invitation asks someone, by email, to join a store.
type Invitation struct {
	bun.BaseModel `bun:"table:staff_invitations"`

	ID         string     `bun:",pk" json:"id"`
	StoreID    string     `json:"-"`
	Email      string     `json:"email"`
	Role       string     `json:"role"`
	TokenHash  string     `json:"-"`
	InvitedBy  string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	AcceptedAt *time.Time `json:"accepted_at"`
}

// Staff manages a store's people: invitations by email, roles, removal.
// Roles live in the policy (the enforcer writes store_members).
type Staff struct {
	DB        bun.IDB
	Policy    *policy.Enforcer
	Auth      *auth.Service
	Mailer    Mailer
	PublicURL string
}

func checkRole(role string) error {
	if !slices.Contains(policy.StoreRoles, role) {
		return input.Invalid("role", "The role must be one of: "+strings.Join(policy.StoreRoles, ", ")+".")
	}
	return nil
}

// Invite emails email a link to join st with role.
func (s *Staff) Invite(ctx context.Context, st *stores.Store, by *auth.User, email, role string) (*Invitation, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if _, err := mail.ParseAddress(email); err != nil || !strings.Contains(email, "@") {
		return nil, input.Invalid("email", "Enter a valid email address, like you@example.com.")
	}
	if err := checkRole(role); err != nil {
		return nil, err
	}
	raw, hash := tokens.New("inv_")
	now := db.Now()
	inv := &Invitation{ID: db.NewID("inv"), StoreID: st.ID, Email: email, Role: role, TokenHash: hash, InvitedBy: by.ID,
		CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	body := fmt.Sprintf("%s invited you to work on %s on SokoHub as %s.\n\nAccept within 7 days: %s/invitations/%s",
		by.Name, st.Name, role, s.PublicURL, raw)
	var msg *notify.Notification
	err := db.RunInTx(ctx, s.DB, func(ctx context.Context, tx bun.IDB) error {
		if _, err := tx.NewInsert().Model(inv).Exec(ctx); err != nil {
			return err
		}
		var err error
		msg, err = s.Mailer.mail(ctx, tx, st.ID, EventStaffInvited, KindStaffInvitation, email, "Join "+st.Name+" on SokoHub", body,
			map[string]any{"invitation_id": inv.ID, "role": role})
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Mailer.send(ctx, msg)
	return inv, nil
}

// Invitations lists st's open invitations.
func (s *Staff) Invitations(ctx context.Context, storeID string) ([]Invitation, error) {
	is := []Invitation{}
	err := s.DB.NewSelect().Model(&is).Where("store_id = ?", storeID).Where("accepted_at IS NULL").
		Where("expires_at > ?", db.Now()).Order("created_at DESC").Scan(ctx)
	return is, err
}

// Invitation loads the open invitation raw opens.
func (s *Staff) Invitation(ctx context.Context, raw string) (*Invitation, *stores.Store, error) {
	inv := new(Invitation)
	err := s.DB.NewSelect().Model(inv).Where("token_hash = ?", tokens.Hash(raw)).Where("accepted_at IS NULL").
		Where("expires_at > ?", db.Now()).Scan(ctx)
	if err != nil {
		if db.NotFound(err) == db.ErrNotFound {
			return nil, nil, ErrInvitationUsed
		}
		return nil, nil, err
	}
	st, err := stores.ByID(ctx, s.DB, inv.StoreID)
	return inv, st, err
}

// Accept joins the invited person to the store: signed in as the invited
// email (user), or as a new account made with password and name when the
// email has none.
func (s *Staff) Accept(ctx context.Context, raw string, user *auth.User, password, name string) (*Invitation, error) {
	inv, _, err := s.Invitation(ctx, raw)
	if err != nil {
		return nil, err
	}
	if user == nil {
		_, err := s.Auth.ByEmail(ctx, inv.Email)
		switch {
		case err == nil: // the account exists: its owner must log in to accept
			return nil, ErrWrongAccount
		case !errors.Is(err, db.ErrNotFound):
			return nil, err
		}
		if user, err = s.Auth.CreateUser(ctx, inv.Email, password, name); err != nil {
			return nil, err
		}
	} else if user.Email != inv.Email {
		return nil, ErrWrongAccount
	}
	res, err := s.DB.NewUpdate().Model(inv).Set("accepted_at = ?", db.Now()).Where("id = ?", inv.ID).
		Where("accepted_at IS NULL").Exec(ctx)
	if err != nil {
		return nil, err
	}
	if db.Affected(res) == 0 {
		return nil, ErrInvitationUsed
	}
	return inv, s.Policy.SetStoreRole(user.ID, inv.StoreID, inv.Role)
}

// SetRole changes a member's role in st.
func (s *Staff) SetRole(ctx context.Context, st *stores.Store, userID, role string) error {
	if err := checkRole(role); err != nil {
		return err
	}
	if userID == st.OwnerID {
		return ErrStoreOwner
	}
	if s.Policy.StoreRole(userID, st.ID) == "" {
		return db.ErrNotFound
	}
	return s.Policy.SetStoreRole(userID, st.ID, role)
}

// Remove takes a member out of st; their next request there is refused.
func (s *Staff) Remove(ctx context.Context, st *stores.Store, userID string) error {
	if userID == st.OwnerID {
		return ErrStoreOwner
	}
	if s.Policy.StoreRole(userID, st.ID) == "" {
		return db.ErrNotFound
	}
	if err := s.Auth.RevokeKeysOf(ctx, st.ID, userID); err != nil {
		return err
	}
	return s.Policy.RemoveFromStore(userID, st.ID)
}
