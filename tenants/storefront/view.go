package storefront

import (
	"bytes"
	"embed"
	"html/template"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/internal/money"
	"github.com/sokohub/sokohub/tenants/stores"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages holds one template set per page: the layout plus that page's
// "main", parsed at start so a broken template fails the build's tests.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"kes": func(cents int64) string { return money.Format(cents, "KES") }}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	for _, name := range []string{"store", "product", "cart", "order", "error"} {
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
	}
	return out
}()

// view is what every page template gets: the layout's data plus the page's
// own in Page.
type view struct {
	Lang  string
	Base  string
	Store *stores.Store
	Brand brand
	Title string
	// Cart is the number of items in the cart, shown in the header.
	Cart int64
	// Switch links to this page in the other languages.
	Switch []langLink
	// Refresh makes the page reload itself every n seconds without
	// JavaScript (inside <noscript>, so scripted pages poll instead).
	Refresh int
	Page    any
}

type langLink struct{ Name, URL, Lang string }

// Home is the store page's address: Base itself (routing is strict, so
// "/s/{slug}/" is not it), or "/" on the store's own host.
func (v view) Home() string {
	if v.Base == "" {
		return "/"
	}
	return v.Base
}

// T returns the page's text for key.
func (v view) T(key string) string { return text(v.Lang, key) }

// Tf formats the page's text for key with args.
func (v view) Tf(key string, args ...any) string { return textf(v.Lang, key, args...) }

// newView fills the layout's data for the current request.
func newView(c *fiber.Ctx, title string) view {
	v := view{Lang: chooseLang(c), Title: title}
	if st, ok := c.Locals(storeKey{}).(*stores.Store); ok {
		v.Store, v.Base = st, base(c)
		v.Cart = readCart(c).count()
	}
	v.Brand = brandOf(v.Store)
	for _, l := range languages {
		if l != v.Lang {
			v.Switch = append(v.Switch, langLink{Name: langNames[l], URL: selfURL(c, v.Base, l), Lang: l})
		}
	}
	return v
}

// selfURL is the current page as the browser addressed it, with lang set.
// A page that answers a form is addressed by the GET that shows it again.
func selfURL(c *fiber.Ctx, base, lang string) string {
	path := c.Path()
	if st, ok := c.Locals(storeKey{}).(*stores.Store); ok {
		path = strings.TrimPrefix(path, "/s/"+st.Slug)
		if c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead {
			path = shownAt(path)
		}
		path = base + path
	}
	if path == "" {
		path = "/"
	}
	q := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { q.Add(string(k), string(v)) })
	q.Set("lang", lang)
	return path + "?" + q.Encode()
}

// shownAt is the page a GET shows for what a form posted to path answers
// with: a refused checkout re-shows the cart, a refused retry the order.
// Only GETs have routes there, so a link to the POST's path would 404.
func shownAt(path string) string {
	if path == "/checkout" {
		return "/cart"
	}
	return strings.TrimSuffix(path, "/pay")
}

func render(c *fiber.Ctx, status int, page string, v view) error {
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentLanguage, v.Lang)
	return c.Status(status).Type("html", "utf-8").Send(buf.Bytes())
}

// ErrorPage renders a friendly page for any error on a storefront route,
// in the shopper's language; the status code stays the real one.
func (s *Storefront) ErrorPage(c *fiber.Ctx, status int, message string) error {
	v := newView(c, "")
	var p errorPage
	switch {
	case status == fiber.StatusNotFound:
		p = errorPage{Heading: v.T("e404.h"), Message: v.T("e404.p")}
	case status == fiber.StatusForbidden && !strings.HasPrefix(c.Path(), "/s/"):
		// Not a shop page (the console, a login): say what was refused.
		p = errorPage{Heading: "Not allowed", Message: message}
	case status == fiber.StatusForbidden:
		p = errorPage{Heading: v.T("e403.h"), Message: v.T("e403.p")}
	case status >= 500:
		p = errorPage{Heading: v.T("e500.h"), Message: v.T("e500.p")}
	default:
		p = errorPage{Heading: v.T("e400.h"), Message: message}
	}
	v.Title, v.Page = p.Heading, p
	return render(c, status, "error", v)
}

type errorPage struct{ Heading, Message string }
