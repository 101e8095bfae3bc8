package admin

import (
	"context"
	"fmt"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/tenants/stores"
)

// StartSupport lets p, a platform admin signed in with a session, act as
// st's owner for reason, for at most an hour; the owner is emailed.
func (k *Console) StartSupport(ctx context.Context, p *auth.Principal, st *stores.Store, reason string) (*auth.SupportGrant, error) {
	if p.Session == nil {
		return nil, fiber.NewError(fiber.StatusBadRequest, "Support access is for the console: log in with the browser.")
	}
	owner, err := k.Auth.ByID(ctx, st.OwnerID)
	if err != nil {
		return nil, err
	}
	g, err := k.Auth.StartSupport(ctx, p.Session, st.ID, owner, reason, auth.SupportMaxTTL)
	if err != nil {
		return nil, err
	}
	body := fmt.Sprintf("%s of the SokoHub team is acting as you on %s until %s, for this reason:\n\n%s\n\nEverything they do is in your store's audit log.",
		p.User.Email, st.Name, g.ExpiresAt.UTC().Format("15:04 UTC"), g.Reason)
	var msg *notify.Notification
	err = db.RunInTx(ctx, k.DB, func(ctx context.Context, tx bun.IDB) error {
		var err error
		msg, err = k.Staff.Mailer.mail(ctx, tx, st.ID, EventSupportStarted, KindSupportAccess, owner.Email,
			"SokoHub support is acting on your store", body, map[string]any{"grant_id": g.ID, "actor": p.User.Email})
		return err
	})
	if err != nil {
		return nil, err
	}
	k.Staff.Mailer.send(ctx, msg)
	return g, nil
}

func (k *Console) startSupport(c *fiber.Ctx) error {
	a := policy.AccessOf(c)
	a.Detail = c.FormValue("reason")
	_, err := k.StartSupport(c.UserContext(), authweb.Current(c), a.Store, a.Detail)
	if ie, ok := input.As(err); ok {
		return fiber.NewError(fiber.StatusBadRequest, ie.Message)
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/stores/"+a.Store.Slug+"?done=support", fiber.StatusSeeOther)
}

func (k *Console) endSupport(c *fiber.Ctx) error {
	p := authweb.Current(c)
	if p.Session != nil {
		if err := k.Auth.EndSupport(c.UserContext(), p.Session); err != nil {
			return err
		}
	}
	return c.Redirect("/admin?done=support-ended", fiber.StatusSeeOther)
}
