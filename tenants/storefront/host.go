package storefront

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/tenants/stores"
)

type (
	hostKey  struct{}
	storeKey struct{}
)

// ByHost serves {slug}.{Domain} at the root: it rewrites the path to
// /s/{slug}/… so one set of routes serves both addresses, and remembers
// that links on the page must be built without the prefix. It must run
// before any routing decision (the gateway installs it first): Fiber
// picks the candidate routes by path, so rewriting later would skip some.
func (s *Storefront) ByHost(c *fiber.Ctx) error {
	if s.Domain == "" {
		return c.Next()
	}
	host := strings.ToLower(c.Hostname())
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	slug, ok := strings.CutSuffix(host, "."+s.Domain)
	if !ok || slug == "" || strings.Contains(slug, ".") {
		return c.Next()
	}
	c.Locals(hostKey{}, true)
	rest := c.Path()
	if rest == "/" {
		rest = "" // the store page is /s/{slug}: routing is strict
	}
	c.Path("/s/" + slug + rest)
	return c.Next()
}

// base is the prefix of every link of the current store's pages: "" when
// the store is served on its own host.
func base(c *fiber.Ctx) string {
	if on, _ := c.Locals(hostKey{}).(bool); on {
		return ""
	}
	return "/s/" + current(c).Slug
}

// store resolves :slug; an unknown slug is a friendly 404.
func (s *Storefront) store(c *fiber.Ctx) error {
	st, err := stores.BySlug(c.UserContext(), s.DB, c.Params("slug"))
	if err != nil {
		return err
	}
	c.Locals(storeKey{}, st)
	return c.Next()
}

// errClosed is what a suspended store answers to shopping.
var errClosed = fiber.NewError(fiber.StatusForbidden, "This shop is not taking orders right now. Please come back later.")

// open refuses shopping at a store that is not active.
func (s *Storefront) open(c *fiber.Ctx) error {
	if !current(c).Active() {
		return errClosed
	}
	return c.Next()
}

func current(c *fiber.Ctx) *stores.Store { return c.Locals(storeKey{}).(*stores.Store) }
