package authweb

import (
	"bytes"
	"embed"
	"errors"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/tokens"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// Mount adds GET/POST /login and POST /logout.
func (w *Web) Mount(r fiber.Router) {
	r.Get("/login", w.loginPage)
	r.Post("/login", w.login)
	r.Post("/logout", w.logout)
}

type loginView struct {
	Error, Email, Next, CSRF string
}

// loginPage shows the form. The form's CSRF token is derived from a
// random cookie set here (double submit): there is no session yet to bind
// it to, and a cross-site page can neither read the cookie nor forge the
// token.
func (w *Web) loginPage(c *fiber.Ctx) error {
	if u := User(c); u != nil && Current(c).Session != nil {
		return c.Redirect(w.landing(u, safeNext(c.Query("next"))), fiber.StatusSeeOther)
	}
	return w.renderLogin(c, fiber.StatusOK, loginView{Next: safeNext(c.Query("next"))})
}

func (w *Web) renderLogin(c *fiber.Ctx, status int, v loginView) error {
	secret := c.Cookies(loginCookie)
	if secret == "" {
		secret, _ = tokens.New("")
		w.setCookie(c, loginCookie, secret, time.Now().Add(time.Hour))
	}
	v.CSRF = w.Tokens.Token("login-csrf", secret)
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, "login.html", v); err != nil {
		return err
	}
	noStore(c)
	return c.Status(status).Type("html", "utf-8").Send(buf.Bytes())
}

func (w *Web) login(c *fiber.Ctx) error {
	email, next := strings.TrimSpace(c.FormValue("email")), safeNext(c.FormValue("next"))
	secret := c.Cookies(loginCookie)
	if secret == "" || !equal(c.FormValue(CSRFField), w.Tokens.Token("login-csrf", secret)) {
		return w.renderLogin(c, fiber.StatusForbidden, loginView{Error: "The form expired. Please try again.", Email: email, Next: next})
	}
	u, err := w.Auth.Verify(c.UserContext(), email, c.FormValue("password"), c.IP())
	switch {
	case errors.Is(err, auth.ErrBadCredentials):
		return w.renderLogin(c, fiber.StatusUnauthorized, loginView{Error: "Email or password is wrong.", Email: email, Next: next})
	case errors.Is(err, auth.ErrTooManyAttempts):
		return w.renderLogin(c, fiber.StatusTooManyRequests, loginView{Error: "Too many failed logins. Wait a few minutes and try again.", Email: email, Next: next})
	case err != nil:
		return err
	}
	if err := w.SignIn(c, u); err != nil {
		return err
	}
	return c.Redirect(w.landing(u, next), fiber.StatusSeeOther)
}

// landing is where u goes after logging in: next (already made safe), or
// u's home when there is none. "/" would be the demo shop.
func (w *Web) landing(u *auth.User, next string) string {
	switch {
	case next != "":
		return next
	case w.Home != nil:
		return w.Home(u)
	}
	return "/dashboard"
}

// SignIn starts a browser session for u, who has just proved who they
// are (a login, or the signup that created the account).
func (w *Web) SignIn(c *fiber.Ctx, u *auth.User) error {
	raw, sess, err := w.Auth.StartSession(c.UserContext(), u.ID, c.IP())
	if err != nil {
		return err
	}
	w.setCookie(c, SessionCookie, raw, sess.ExpiresAt)
	w.clearCookie(c, loginCookie)
	return nil
}

func (w *Web) logout(c *fiber.Ctx) error {
	if raw := c.Cookies(SessionCookie); raw != "" {
		if err := w.Auth.EndSession(c.UserContext(), raw); err != nil {
			return err
		}
	}
	w.clearCookie(c, SessionCookie)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a path, never a
// scheme-relative or absolute URL that would make the login page an open
// redirect; "" when next is none of those (the user's home is used).
//
// Browsers drop tabs and newlines from URLs and read a backslash as a
// slash, so "/\t/evil.example" means "//evil.example": any control
// character or backslash is refused, and what is left must parse as a bare
// path.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') ||
		strings.IndexFunc(next, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

func (w *Web) setCookie(c *fiber.Ctx, name, value string, expires time.Time) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", Expires: expires,
		Secure: w.Secure, HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
}

func (w *Web) clearCookie(c *fiber.Ctx, name string) {
	w.setCookie(c, name, "", time.Unix(0, 0))
}

// noStore keeps pages with personal data or tokens out of every cache.
func noStore(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
}
