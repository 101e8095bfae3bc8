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
// For the same reason it is where a shop address typed with a trailing
// slash is sent on to the one without (see unslash).
func (s *Storefront) ByHost(c *fiber.Ctx) error {
	slug, onHost := s.hostSlug(c)
	if to, ok := unslash(c, onHost); ok {
		return c.Redirect(to, fiber.StatusMovedPermanently)
	}
	if !onHost {
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

// hostSlug is the store a request's host names, if it is {slug}.{Domain}.
func (s *Storefront) hostSlug(c *fiber.Ctx) (string, bool) {
	if s.Domain == "" {
		return "", false
	}
	host := strings.ToLower(c.Hostname())
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	slug, ok := strings.CutSuffix(host, "."+s.Domain)
	return slug, ok && slug != "" && !strings.Contains(slug, ".")
}

// unslash is where a GET of a shop page typed with a trailing slash
// ("/s/demo/", or "/cart/" on the store's own host) belongs: the same
// address without it, query kept. Routing is strict, so the slashed
// address would otherwise be a 404, and people type it. The root of a
// store's host is its home page and stays.
func unslash(c *fiber.Ctx, onHost bool) (string, bool) {
	path := c.Path()
	if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead || !strings.HasSuffix(path, "/") ||
		!onHost && !strings.HasPrefix(path, "/s/") || strings.HasPrefix(path, "//") {
		return "", false
	}
	to := strings.TrimRight(path, "/")
	switch {
	case onHost && to == "":
		return "", false
	case !onHost && strings.Count(to, "/") < 2:
		return "", false // "/s/": no store named
	}
	if q := c.Request().URI().QueryString(); len(q) > 0 {
		to += "?" + string(q)
	}
	return to, true
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
