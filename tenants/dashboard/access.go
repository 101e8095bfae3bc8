package dashboard

import (
	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/tenants/stores"
)

type storeKey struct{}

// store takes the store the access gate resolved and allowed for this
// request; without a gate decision there is no store to show.
func (d *Dashboard) store(c *fiber.Ctx) error {
	a := policy.AccessOf(c)
	if a == nil || a.Store == nil {
		return db.ErrNotFound
	}
	c.Locals(storeKey{}, a.Store)
	return c.Next()
}

func current(c *fiber.Ctx) *stores.Store { return c.Locals(storeKey{}).(*stores.Store) }

// manager tells whether the signed-in person may change the store's
// payment and webhook settings (the policy enforces it; pages use it to
// show only what works).
func manager(c *fiber.Ctx) bool {
	a := policy.AccessOf(c)
	return a != nil && (a.Role == policy.RoleOwner || a.Role == policy.RolePlatformAdmin)
}

// base is the prefix of the current store's dashboard pages.
func base(c *fiber.Ctx) string { return "/dashboard/" + current(c).Slug }
