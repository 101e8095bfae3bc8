package dashboard

import (
	"bytes"
	"embed"
	"html/template"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/money"
	"github.com/sokohub/sokohub/tenants/stores"
)

//go:embed templates/*.html
var templateFS embed.FS

var pageNames = []string{"signup", "index", "new_store", "setup_store", "setup_mpesa", "product_form", "setup_share",
	"orders", "order", "products", "webhooks", "notifications", "issues", "error"}

// pages holds one template set per page (the layout plus the page's
// "main"), parsed at start.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"kes":      func(cents int64) string { return money.Format(cents, "KES") },
		"shilling": func(cents int64) int64 { return cents / 100 },
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(nairobi).Format("2 Jan 2006, 15:04")
		},
		// at is to the second: a delivery's retries can be seconds apart.
		"at":    func(t time.Time) string { return t.In(nairobi).Format("2 Jan, 15:04:05") },
		"title": func(s string) string { return strings.ToUpper(s[:1]) + strings.ReplaceAll(s[1:], "_", " ") },
	}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		out[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, "templates/"+name+".html"))
	}
	return out
}()

// nairobi is the merchants' clock: times are shown in East Africa Time.
var nairobi = time.FixedZone("EAT", 3*3600)

// view is what every page gets: the layout's data and the page's own.
type view struct {
	Title   string
	Email   string
	Store   *stores.Store
	Base    string
	Section string
	Manager bool
	CSRF    string
	// Notice is a one-line confirmation of what just happened.
	Notice string
	// Support is the session's support grant: a platform admin acting as
	// a store's owner sees the banner on every page while it lasts.
	Support *auth.SupportGrant
	Page    any
}

func (d *Dashboard) view(c *fiber.Ctx, title, section string, page any) view {
	v := view{Title: title, Section: section, CSRF: d.Web.CSRFToken(c), Page: page, Notice: notices[c.Query("done")]}
	if p := authweb.Current(c); p != nil && p.User != nil {
		v.Email, v.Support = p.User.Email, p.Support
	}
	if st, ok := c.Locals(storeKey{}).(*stores.Store); ok {
		v.Store, v.Base, v.Manager = st, base(c), manager(c)
	}
	return v
}

// notices are the confirmations a redirect can ask for with ?done=.
var notices = map[string]string{
	"store": "Store details saved.", "mpesa": "M-Pesa settings saved.", "product": "Product saved.",
	"fulfilled": "Order marked as fulfilled.", "notifications": "Notification preferences saved.",
	"test": "Test event sent: see the delivery log below.", "replay": "Delivery sent again.",
	"resumed": "Endpoint resumed; held deliveries are on their way.", "resolved": "Payment problem resolved.",
}

func render(c *fiber.Ctx, status int, page string, v view) error {
	var buf bytes.Buffer
	if err := pages[page].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return err
	}
	// Merchant pages hold customers' details: never cached.
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Type("html", "utf-8").Send(buf.Bytes())
}

// ErrorPage renders errors on dashboard routes as a page with a way back.
func (d *Dashboard) ErrorPage(c *fiber.Ctx, status int, message string) error {
	heading := "Something went wrong"
	switch {
	case status == fiber.StatusNotFound:
		heading, message = "Not found", "This page does not exist, or it belongs to a store you are not a member of."
	case status == fiber.StatusForbidden:
		if st := needsSupport(c); st != nil {
			return render(c, status, "error", d.view(c, "Support access needed", "", supportNeeded(st)))
		}
		heading = "Not allowed"
	case status >= 500:
		message = "Something went wrong on our side. Please try again."
	case status < 500:
		heading = "Please check and try again"
	}
	return render(c, status, "error", d.view(c, heading, "", errorPage{Heading: heading, Message: message}))
}

type errorPage struct {
	Heading, Message string
	// Console links to where the refused action can be done, if anywhere.
	Console string
}

// needsSupport is the store of a dashboard page the policy refused to a
// platform admin: they work in a store's dashboard only under support
// access, as its owner (admin/policy/rules.go), and start it from the
// console. nil for any other refusal.
func needsSupport(c *fiber.Ctx) *stores.Store {
	a := policy.AccessOf(c)
	if a == nil || a.Store == nil || a.Role != policy.RolePlatformAdmin {
		return nil // under support access in this store the gate calls them the owner
	}
	return a.Store
}

func supportNeeded(st *stores.Store) errorPage {
	return errorPage{Heading: "Support access needed",
		Message: "As a platform admin you can open " + st.Name + "'s dashboard only as its owner, under support access: " +
			"start it from the store's page in the console with your reason. It lasts at most an hour, the owner is told, " +
			"and everything you do is in the store's audit log.",
		Console: "/admin/stores/" + st.Slug}
}

// formError is a form's problems, by field, for re-rendering it.
type formError map[string]string

// Has tells whether field has a problem (templates mark it invalid).
func (f formError) Has(field string) bool { _, ok := f[field]; return ok }
