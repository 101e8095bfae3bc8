package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sokohub/sokohub/admin"
	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/tokens"
)

// buildAccess wires authentication and authorisation: login limits in
// Redis, the Casbin policy from the database with a Redis watcher so that
// every replica (and the admin CLI) sees changes, the browser sessions and
// the console.
func (a *App) buildAccess(ctx context.Context) error {
	cfg := a.Config
	a.Auth = a.Auth.WithLimiter(auth.NewLimiter(a.Redis.Client, cfg.RedisNamespace, a.Log))
	enf, err := policy.New(a.DB)
	if err != nil {
		return err
	}
	if a.policyWatcher, err = policy.NewWatcher(ctx, a.Redis.Client, cfg.RedisNamespace); err != nil {
		return fmt.Errorf("policy watcher: %w", err)
	}
	if err := enf.SetWatcher(a.policyWatcher); err != nil {
		return err
	}
	a.Policy = enf
	a.Web = authweb.New(authweb.Config{Auth: a.Auth, Tokens: tokens.NewDeriver(cfg.MasterKey),
		Secure: strings.HasPrefix(cfg.PublicURL, "https://"), Logger: a.Log, Home: a.home})
	a.Console = admin.NewConsole(admin.ConsoleDeps{DB: a.DB, Auth: a.Auth, Web: a.Web, Policy: a.Policy, Notify: a.Notify,
		Queue: a.Queue, Redis: a.Redis.Client, Queues: a.Names, PublicURL: cfg.PublicURL, Logger: a.Log})
	return nil
}

// home is where u lands after logging in with no page to return to:
// platform staff in the console, merchants in their dashboard.
func (a *App) home(u *auth.User) string {
	if a.Policy.PlatformRole(u.ID) != "" {
		return "/admin"
	}
	return "/dashboard"
}

// EnsurePlatformUser makes email a user with a platform role: it creates
// the account with password when there is none (a generated password
// when password is empty, returned so it can be shown once) and gives
// the role either way.
func (a *App) EnsurePlatformUser(ctx context.Context, email, password, role string) (*auth.User, string, error) {
	u, err := a.Auth.ByEmail(ctx, email)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return nil, "", err
	}
	generated := ""
	if err != nil {
		if password == "" {
			password, _ = tokens.New("")
			password = password[:24]
			generated = password
		}
		name, _, _ := strings.Cut(email, "@")
		if u, err = a.Auth.CreateUser(ctx, email, password, name); err != nil {
			return nil, "", err
		}
	}
	return u, generated, a.Policy.SetPlatformRole(u.ID, role)
}
