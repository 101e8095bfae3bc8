package gateway

import (
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/tenants/stores"
)

type (
	userKey    struct{}
	storeKey   struct{}
	storeIDKey struct{}
	roleKey    struct{}
)

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

func (h *handlers) mountAuth(api fiber.Router) {
	api.Post("/signup", h.signup)
	api.Post("/login", h.login)
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
	tok, err := h.Auth.Login(c.UserContext(), in.Email, in.Password)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"token": tok})
}

// requireUser authenticates the bearer token.
func (h *handlers) requireUser(c *fiber.Ctx) error {
	bearer, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
	if !ok {
		return auth.ErrInvalidToken
	}
	u, err := h.Auth.Authenticate(c.UserContext(), strings.TrimSpace(bearer))
	if err != nil {
		return err
	}
	c.Locals(userKey{}, u)
	return c.Next()
}

func currentUser(c *fiber.Ctx) *auth.User { return c.Locals(userKey{}).(*auth.User) }

func currentStore(c *fiber.Ctx) *stores.Store { return c.Locals(storeKey{}).(*stores.Store) }

func setStore(c *fiber.Ctx, s *stores.Store) {
	c.Locals(storeKey{}, s)
	c.Locals(storeIDKey{}, s.ID)
}

// memberStore resolves :slug to a store the user belongs to. A store the
// user is not a member of answers exactly like one that does not exist.
func (h *handlers) memberStore(c *fiber.Ctx) error {
	s, err := stores.BySlug(c.UserContext(), h.DB, c.Params("slug"))
	if err != nil {
		return err
	}
	role, err := stores.Role(c.UserContext(), h.DB, s.ID, currentUser(c).ID)
	if errors.Is(err, db.ErrNotFound) {
		return db.ErrNotFound
	}
	if err != nil {
		return err
	}
	setStore(c, s)
	c.Locals(roleKey{}, role)
	return c.Next()
}

// requireOwner guards credentials and webhooks: staff may not see them.
func (h *handlers) requireOwner(c *fiber.Ctx) error {
	if c.Locals(roleKey{}) != stores.RoleOwner {
		return Fail(fiber.StatusForbidden, "forbidden", "Only the store's owner can do this.")
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
