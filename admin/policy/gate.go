package policy

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/audit"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/tenants/stores"
)

// Errors the gate answers with; the gateway maps them to 403s.
var (
	ErrForbidden = errors.New("policy: your role does not allow this")
	ErrNoPolicy  = errors.New("policy: this route is not in the access policy")
	ErrSuspended = errors.New("policy: this store is suspended; only its owner can look at it, and the platform can act on it")
)

// GateConfig is what the gate needs besides the enforcer.
type GateConfig struct {
	DB bun.IDB
	// CSRF fails a state-changing request a session cookie authenticated
	// without its token.
	CSRF func(*fiber.Ctx) error
	// OnStore receives the store a :slug route resolved, for the handlers.
	OnStore func(*fiber.Ctx, *stores.Store)
	Logger  *slog.Logger
}

// Access is what the gate decided, for handlers and the audit log.
type Access struct {
	// Route is the route template the decision was about.
	Route string
	// Store is the store of a :slug route, nil elsewhere.
	Store *stores.Store
	// Role is how the principal came in: "owner" under support access,
	// else a platform role, else the store role; "key" for API keys; ""
	// on a public route.
	Role string
	// Detail is added to the audit entry (say, a suspension's reason);
	// handlers set it, and never to a secret.
	Detail string
}

type accessKey struct{}

// AccessOf returns the gate's decision for the request.
func AccessOf(c *fiber.Ctx) *Access {
	a, _ := c.Locals(accessKey{}).(*Access)
	return a
}

// Gate is the middleware that enforces the policy on every route of the
// app it is installed on (with app.Use, after authweb.Identify): the
// route's template and method must be allowed for the request's principal
// in the route's store.
func (enf *Enforcer) Gate(cfg GateConfig) fiber.Handler {
	var (
		once sync.Once
		idx  *routeIndex
	)
	return func(c *fiber.Ctx) error {
		// Routes are all registered before the first request.
		once.Do(func() { idx = newRouteIndex(c.App()) })
		rt, ok := idx.match(c.Method(), c.Path())
		if !ok {
			return c.Next() // no route: Fiber answers 404, or a mounted handler serves it
		}
		act := c.Method()
		if act == fiber.MethodHead {
			act = fiber.MethodGet
		}
		a := &Access{Route: rt.path}
		c.Locals(accessKey{}, a)
		if !enf.Covers(rt.path, act) {
			cfg.Logger.ErrorContext(c.UserContext(), "route has no policy entry; add it to admin/policy/rules.go",
				"method", act, "route", rt.path)
			return ErrNoPolicy
		}
		if ok, err := enf.Allowed([]string{Anonymous}, "", rt.path, act); ok || err != nil {
			if err != nil {
				return err
			}
			return c.Next()
		}
		p := authweb.Current(c)
		if p == nil {
			if isPage(c) && act == fiber.MethodGet {
				return authweb.RedirectToLogin(c)
			}
			return auth.ErrInvalidToken
		}
		if p.Support != nil && enf.PlatformRole(p.User.ID) != RolePlatformAdmin {
			p.Support = nil // support access is a platform admin's: a grant does not outlive the role
		}
		if err := cfg.CSRF(c); err != nil {
			return err
		}
		if rt.slug >= 0 {
			st, err := stores.BySlug(c.UserContext(), cfg.DB, rt.slugOf(c.Path()))
			if err != nil {
				return err
			}
			a.Store = st
		}
		action := Audited[act+" "+rt.path]
		if p.Support != nil && a.Store != nil && p.Support.StoreID == a.Store.ID && action == "" {
			action = "support.request"
			a.Detail = act + " " + rt.path
		}
		if err := enf.decide(c, p, a, act); err != nil {
			if action != "" && !errors.Is(err, db.ErrNotFound) {
				return errors.Join(err, cfg.audit(c, p, a, action, audit.Denied))
			}
			return err
		}
		if a.Store != nil {
			cfg.OnStore(c, a.Store)
		}
		if action == "" {
			return c.Next()
		}
		// Answer first, so the entry records the outcome; a response whose
		// entry cannot be written is replaced by the error.
		if err := c.Next(); err != nil {
			if herr := c.App().ErrorHandler(c, err); herr != nil {
				return herr
			}
		}
		outcome := audit.OK
		switch status := c.Response().StatusCode(); {
		case status == fiber.StatusUnauthorized || status == fiber.StatusForbidden:
			outcome = audit.Denied
		case status >= 400:
			outcome = audit.Failed
		}
		return cfg.audit(c, p, a, action, outcome)
	}
}

// audit records action by p on the request.
func (cfg GateConfig) audit(c *fiber.Ctx, p *auth.Principal, a *Access, action, outcome string) error {
	e := audit.Entry{Actor: p.Label(), Subject: p.Label(), Action: action, IP: strings.Clone(c.IP()), Outcome: outcome, Detail: a.Detail}
	if p.User != nil {
		e.ActorID = p.User.ID
	}
	if a.Store != nil {
		e.StoreID, e.Store = a.Store.ID, a.Store.Slug
		if p.Support != nil && p.Support.StoreID == a.Store.ID {
			e.Subject = p.Support.SubjectEmail
		}
	}
	if err := audit.Record(c.UserContext(), cfg.DB, e); err != nil {
		return fmt.Errorf("policy: audit %s: %w", action, err)
	}
	return nil
}

// decide checks p against the rules for a.Route in a.Store and records
// how p came in.
func (enf *Enforcer) decide(c *fiber.Ctx, p *auth.Principal, a *Access, act string) error {
	dom := ""
	if a.Store != nil {
		dom = a.Store.ID
	}
	var subjects []string
	switch {
	case p.Key != nil:
		if dom == "" {
			return ErrForbidden // keys work on their store's routes only
		}
		if p.Key.StoreID != dom {
			return db.ErrNotFound // another store's key sees nothing of this one
		}
		for _, s := range p.Key.ScopeList() {
			subjects = append(subjects, Scope(s))
		}
		a.Role = "key"
	default:
		subjects = []string{Authenticated, p.User.ID}
		if p.Support != nil && dom != "" && p.Support.StoreID == dom {
			subjects = append(subjects, RoleOwner)
		}
		a.Role = enf.userRole(p, dom)
	}
	seen := enf.generation()
	ok, err := enf.Allowed(subjects, dom, a.Route, act)
	if err == nil && !ok && p.Key == nil && dom != "" {
		ok, err = enf.allowedAfterRefresh(c, p, a, subjects, act, seen)
	}
	if err != nil {
		return err
	}
	if !ok {
		if a.Store != nil && a.Role == "" {
			return db.ErrNotFound // a store you have nothing to do with answers like one that does not exist
		}
		return ErrForbidden
	}
	if a.Store != nil && !a.Store.Active() && !enf.mayUseSuspended(p, a, act) {
		return ErrSuspended
	}
	return nil
}

// allowedAfterRefresh decides again for a user refused in a store in
// generation seen, if their membership there changed on another replica
// before its watcher message came (decideAgain).
func (enf *Enforcer) allowedAfterRefresh(c *fiber.Ctx, p *auth.Principal, a *Access, subjects []string, act string, seen uint64) (bool, error) {
	again, err := enf.decideAgain(c.UserContext(), p.User.ID, a.Store.ID, seen)
	if !again || err != nil {
		return false, err
	}
	a.Role = enf.userRole(p, a.Store.ID)
	return enf.Allowed(subjects, a.Store.ID, a.Route, act)
}

// userRole is how user p comes into store dom ("" outside any store):
// owner under support access, else a platform role, else the store role.
func (enf *Enforcer) userRole(p *auth.Principal, dom string) string {
	if p.Support != nil && dom != "" && p.Support.StoreID == dom {
		return RoleOwner
	}
	if r := enf.PlatformRole(p.User.ID); r != "" || dom == "" {
		return r
	}
	return enf.StoreRole(p.User.ID, dom)
}

// mayUseSuspended: a suspended store's keys and staff are refused; its
// owner may still look; the platform (and support access) may act.
func (enf *Enforcer) mayUseSuspended(p *auth.Principal, a *Access, act string) bool {
	switch {
	case p.Key != nil:
		return false
	case slices.Contains(PlatformRoles, enf.PlatformRole(p.User.ID)):
		return true
	case a.Role == RoleOwner:
		return act == fiber.MethodGet
	default:
		return false
	}
}

// isPage tells pages (which redirect to the login form) from the API.
func isPage(c *fiber.Ctx) bool { return !strings.HasPrefix(c.Path(), "/api/") }
