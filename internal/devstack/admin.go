package devstack

import (
	"context"
	"errors"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/app"
)

// bootstrapAdmin makes SOKOHUB_ADMIN_EMAIL a platform admin (with
// SOKOHUB_ADMIN_PASSWORD when the account is new) and reloads the policy,
// which the seed changed behind the enforcer's back (stores.Create writes
// the demo owner's membership directly).
func bootstrapAdmin(ctx context.Context, a *app.App) error {
	if err := a.Policy.Reload(); err != nil {
		return err
	}
	if a.Config.AdminEmail == "" {
		return nil
	}
	if a.Config.AdminPassword == "" {
		return errors.New("set SOKOHUB_ADMIN_PASSWORD too")
	}
	_, _, err := a.EnsurePlatformUser(ctx, a.Config.AdminEmail, a.Config.AdminPassword, policy.RolePlatformAdmin)
	return err
}
