package gateway

import (
	"errors"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/tenants/stores"
)

// Who may call what is decided before any handler runs: authweb.Identify
// names the principal (bearer token, API key or session cookie) and the
// policy gate (admin/policy) checks the route against the Casbin policy,
// resolving a :slug route's store on the way. Handlers read the outcome
// with currentUser, currentStore and policy.AccessOf.

type (
	storeKey   struct{}
	storeIDKey struct{}
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func (h *handlers) mountAuth(api fiber.Router) {
	api.Post("/signup", h.limitClient("signup"), h.signup)
	api.Post("/login", h.login)
	api.Get("/me", h.me)
}

func (h *handlers) signup(c *fiber.Ctx) error {
	var in struct{ Email, Password, Name string }
	if err := decode(c, &in); err != nil {
		return err
	}
	u, tok, err := h.Auth.Signup(c.UserContext(), in.Email, in.Password, in.Name)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": tok, "user": fiber.Map{"id": u.ID, "email": u.Email}})
}

func (h *handlers) login(c *fiber.Ctx) error {
	var in struct{ Email, Password string }
	if err := decode(c, &in); err != nil {
		return err
	}
	tok, err := h.Auth.Login(c.UserContext(), in.Email, in.Password, c.IP())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"token": tok})
}

// me tells a client who it is signed in as and where it may go.
func (h *handlers) me(c *fiber.Ctx) error {
	u := currentUser(c)
	return c.JSON(fiber.Map{"id": u.ID, "email": u.Email, "name": u.Name, "platform_role": h.Policy.PlatformRole(u.ID)})
}

// currentUser is the signed-in user; routes the policy opens to users only.
func currentUser(c *fiber.Ctx) *auth.User { return authweb.User(c) }

func currentStore(c *fiber.Ctx) *stores.Store { return c.Locals(storeKey{}).(*stores.Store) }

func setStore(c *fiber.Ctx, s *stores.Store) {
	c.Locals(storeKey{}, s)
	c.Locals(storeIDKey{}, s.ID)
}

// requireOwner keeps staff and API keys out of a store's owner areas
// (credentials, webhooks, settings) even if a policy rule were too wide;
// the policy decides what the owner and the platform may do there.
func (h *handlers) requireOwner(c *fiber.Ctx) error {
	a := policy.AccessOf(c)
	if a == nil || !slices.Contains([]string{policy.RoleOwner, policy.RolePlatformAdmin, policy.RolePlatformSupport}, a.Role) {
		return policy.ErrForbidden
	}
	return c.Next()
}

// publicStore resolves :slug for the storefront, where anyone may look.
func (h *handlers) publicStore(c *fiber.Ctx) error {
	s, err := stores.BySlug(c.UserContext(), h.DB, c.Params("slug"))
	if err != nil {
		return err
	}
	setStore(c, s)
	return c.Next()
}
