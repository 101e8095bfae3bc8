package policy

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// routeIndex finds the route template Fiber will run for a request. A
// global middleware runs before Fiber picks the route (c.Route() is the
// middleware's own), so the gate looks it up itself: the first route of
// the method, in registration order, that fiber.RoutePatternMatch matches,
// which is the route Fiber's router runs.
type routeIndex struct {
	cfg      fiber.Config
	byMethod map[string][]indexed
}

type indexed struct {
	path string
	// prefix is the template's static start, to skip most routes cheaply.
	prefix string
	// slug is the path segment holding :slug, or -1.
	slug int
}

func newRouteIndex(app *fiber.App) *routeIndex {
	idx := &routeIndex{cfg: app.Config(), byMethod: map[string][]indexed{}}
	for _, r := range app.GetRoutes(true) {
		prefix := r.Path
		if i := strings.IndexAny(prefix, ":*+"); i >= 0 {
			prefix = prefix[:i]
		}
		if !idx.cfg.CaseSensitive {
			prefix = strings.ToLower(prefix)
		}
		slug := -1
		for i, seg := range strings.Split(r.Path, "/") {
			if seg == ":slug" {
				slug = i
			}
		}
		idx.byMethod[r.Method] = append(idx.byMethod[r.Method], indexed{path: r.Path, prefix: prefix, slug: slug})
	}
	return idx
}

// match returns the route for method and path.
func (idx *routeIndex) match(method, path string) (indexed, bool) {
	probe := path
	if !idx.cfg.CaseSensitive {
		probe = strings.ToLower(path)
	}
	for _, r := range idx.byMethod[method] {
		if strings.HasPrefix(probe, r.prefix) && fiber.RoutePatternMatch(path, r.path, idx.cfg) {
			return r, true
		}
	}
	return indexed{}, false
}

// slugOf returns the :slug segment of path for route r.
func (r indexed) slugOf(path string) string {
	segs := strings.Split(path, "/")
	if r.slug < 0 || r.slug >= len(segs) {
		return ""
	}
	return strings.Clone(segs[r.slug])
}
