package gateway

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/admin"
	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/mpesa"
)

// mountAccessAPI adds who may use a store: API keys, staff and
// invitations, the store's audit log, and the test of its M-Pesa
// credentials.
func (h *handlers) mountAccessAPI(st fiber.Router) {
	st.Get("/keys", h.listKeys)
	st.Post("/keys", h.createKey)
	st.Delete("/keys/:id", h.revokeKey)
	st.Get("/members", h.listMembers)
	st.Post("/invitations", h.invite)
	st.Put("/members/:user", h.setMemberRole)
	st.Delete("/members/:user", h.removeMember)
	st.Get("/audit", h.storeAudit)
	st.Post("/mpesa/test", h.testCredentials)
}

// keyView is a key as listed: never its value.
type keyView struct {
	*auth.APIKey
	Scopes []string `json:"scopes"`
}

func viewKey(k *auth.APIKey) keyView { return keyView{APIKey: k, Scopes: k.ScopeList()} }

func (h *handlers) listKeys(c *fiber.Ctx) error {
	ks, err := h.Auth.Keys(c.UserContext(), currentStore(c).ID)
	if err != nil {
		return err
	}
	vs := make([]keyView, len(ks))
	for i := range ks {
		vs[i] = viewKey(&ks[i])
	}
	return list(c, vs)
}

// createKey answers the key's value this once.
func (h *handlers) createKey(c *fiber.Ctx) error {
	var in struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	k, raw, err := h.Auth.CreateKey(c.UserContext(), currentStore(c).ID, currentUser(c).ID, in.Name, in.Scopes)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(struct {
		keyView
		Key string `json:"key"`
	}{viewKey(k), raw})
}

func (h *handlers) revokeKey(c *fiber.Ctx) error {
	k, err := h.Auth.RevokeKey(c.UserContext(), currentStore(c).ID, c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(viewKey(k))
}

func (h *handlers) listMembers(c *fiber.Ctx) error {
	ctx, st := c.UserContext(), currentStore(c)
	ms, err := admin.Members(ctx, h.DB, st.ID)
	if err != nil {
		return err
	}
	is, err := h.Console.Staff.Invitations(ctx, st.ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"data": ms, "invitations": is})
}

func (h *handlers) invite(c *fiber.Ctx) error {
	var in struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	inv, err := h.Console.Staff.Invite(c.UserContext(), currentStore(c), currentUser(c), in.Email, in.Role)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(inv)
}

func (h *handlers) setMemberRole(c *fiber.Ctx) error {
	var in struct {
		Role string `json:"role"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	if err := staffError(h.Console.Staff.SetRole(c.UserContext(), currentStore(c), c.Params("user"), in.Role)); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user_id": c.Params("user"), "role": in.Role})
}

func (h *handlers) removeMember(c *fiber.Ctx) error {
	if err := staffError(h.Console.Staff.Remove(c.UserContext(), currentStore(c), c.Params("user"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func staffError(err error) error {
	if errors.Is(err, admin.ErrStoreOwner) {
		return Fail(fiber.StatusConflict, "store_owner", "The store's owner keeps their role.")
	}
	return err
}

// testCredentials asks Daraja (the simulator in dev) for an OAuth token
// with the store's saved credentials and says plainly whether it worked.
// The answer never holds the token or a secret.
func (h *handlers) testCredentials(c *fiber.Ctx) error {
	ctx := c.UserContext()
	cr, err := h.Vault.Credentials(ctx, h.DB, currentStore(c).ID)
	if err != nil {
		return err
	}
	start := time.Now()
	_, err = h.Daraja.Token(ctx, cr)
	verdict := fiber.Map{"ok": err == nil, "environment": cr.Environment, "ms": time.Since(start).Milliseconds()}
	var cfgErr *mpesa.ConfigError
	a := policy.AccessOf(c)
	switch {
	case err == nil:
		verdict["verdict"], a.Detail = "Daraja accepted the consumer key and secret.", "daraja accepted"
	case errors.As(err, &cfgErr):
		verdict["verdict"] = "Daraja refused the consumer key or secret: check them, and that the app is for " + cr.Environment + "."
		a.Detail = "daraja refused"
	default:
		verdict["verdict"], a.Detail = "Could not reach Daraja or it answered an error; try again in a minute.", "daraja unreachable"
		h.Logger.WarnContext(ctx, "credentials test failed", "store_id", currentStore(c).ID, "err", err)
	}
	return c.JSON(verdict)
}
