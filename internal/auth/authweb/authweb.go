// Package authweb is authentication for the HTTP surface: it tells who a
// request comes from (bearer token, API key or browser session), keeps the
// session cookie, checks CSRF tokens, and serves the login and logout
// pages. Pages of any module (the console, the merchant dashboard) use
// RequireSession, User and CSRFToken from here.
package authweb

import (
	"crypto/subtle"
	"log/slog"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/tokens"
)

// Cookie names.
const (
	SessionCookie = "sokohub_session"
	// loginCookie carries the pre-session CSRF secret of the login form.
	loginCookie = "sokohub_login"
)

// CSRFField is the form field (and CSRFHeader the header) that carries the
// CSRF token on every state-changing request made with a session.
const (
	CSRFField  = "_csrf"
	CSRFHeader = "X-CSRF-Token"
)

// ErrCSRF answers a session request without the right CSRF token.
var ErrCSRF = fiber.NewError(fiber.StatusForbidden, "This form has expired or did not come from SokoHub. Reload the page and try again.")

// Config is what the web authentication needs.
type Config struct {
	Auth *auth.Service
	// Tokens derives CSRF tokens; it must be the same on every replica.
	Tokens tokens.Deriver
	// Secure marks cookies Secure; set whenever the public URL is https.
	Secure bool
	// Home is where a user who logs in with no page to return to lands:
	// the console for platform staff, the dashboard for merchants. nil
	// lands everyone on the dashboard.
	Home   func(*auth.User) string
	Logger *slog.Logger
}

// Web authenticates requests and serves the login pages.
type Web struct{ Config }

// New returns a Web.
func New(c Config) *Web { return &Web{Config: c} }

type principalKey struct{}

// Identify is the first middleware after the request context: it puts the
// request's principal, if any, in the context for Current. It never fails
// a request; whether a principal is needed is the policy's decision, and a
// wrong or expired credential just means there is none.
func (w *Web) Identify(c *fiber.Ctx) error {
	p, err := w.identify(c)
	if err != nil {
		return err
	}
	if p != nil {
		c.Locals(principalKey{}, p)
	}
	return c.Next()
}

func (w *Web) identify(c *fiber.Ctx) (*auth.Principal, error) {
	ctx := c.UserContext()
	if bearer, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer "); ok {
		bearer = strings.TrimSpace(bearer)
		if strings.HasPrefix(bearer, auth.KeyPrefix) {
			k, err := w.Auth.AuthenticateKey(ctx, bearer)
			return keyPrincipal(k, err)
		}
		u, err := w.Auth.Authenticate(ctx, bearer)
		return userPrincipal(u, err)
	}
	raw := c.Cookies(SessionCookie)
	if raw == "" {
		return nil, nil
	}
	u, sess, err := w.Auth.SessionUser(ctx, raw)
	if err == auth.ErrInvalidToken {
		w.clearCookie(c, SessionCookie)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	g, err := w.Auth.ActiveSupport(ctx, sess)
	if err != nil {
		return nil, err
	}
	return &auth.Principal{User: u, Session: sess, Support: g}, nil
}

func keyPrincipal(k *auth.APIKey, err error) (*auth.Principal, error) {
	if err == auth.ErrInvalidToken {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &auth.Principal{Key: k}, nil
}

func userPrincipal(u *auth.User, err error) (*auth.Principal, error) {
	if err == auth.ErrInvalidToken {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &auth.Principal{User: u}, nil
}

// Current returns the request's principal, or nil for an anonymous one.
func Current(c *fiber.Ctx) *auth.Principal {
	p, _ := c.Locals(principalKey{}).(*auth.Principal)
	return p
}

// User returns the signed-in user, or nil (anonymous, or an API key).
func User(c *fiber.Ctx) *auth.User {
	if p := Current(c); p != nil {
		return p.User
	}
	return nil
}

// RequireSession lets only browser sessions through: anyone else is sent
// to the login page, and back here after logging in.
func RequireSession(c *fiber.Ctx) error {
	if p := Current(c); p != nil && p.Session != nil {
		return c.Next()
	}
	return RedirectToLogin(c)
}

// RedirectToLogin sends the browser to the login page with the current
// page as where to come back to.
func RedirectToLogin(c *fiber.Ctx) error {
	next := c.OriginalURL()
	if c.Method() != fiber.MethodGet {
		next = c.Path()
	}
	return c.Redirect("/login?next="+url.QueryEscape(next), fiber.StatusSeeOther)
}

// CSRFToken is the token forms of the current session must send back (in
// the CSRFField form field or the CSRFHeader header). It is derived from
// the session, so it needs no storage and dies with the session.
func (w *Web) CSRFToken(c *fiber.Ctx) string {
	if p := Current(c); p != nil && p.Session != nil {
		return w.Tokens.Token("csrf", p.Session.TokenHash)
	}
	return ""
}

// CheckCSRF fails a state-changing request made with a session cookie that
// does not carry the session's CSRF token. Bearer-token and API-key
// requests carry no ambient authority and pass.
func (w *Web) CheckCSRF(c *fiber.Ctx) error {
	p := Current(c)
	if p == nil || p.Session == nil || safeMethod(c.Method()) {
		return nil
	}
	got := c.Get(CSRFHeader)
	if got == "" {
		got = c.FormValue(CSRFField)
	}
	if !equal(got, w.CSRFToken(c)) {
		return ErrCSRF
	}
	return nil
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
