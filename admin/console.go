package admin

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/audit"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/auth/authweb"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/money"
	"github.com/sokohub/sokohub/internal/notify"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/tenants/stores"
)

//go:embed templates/*.html
var templateFS embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"money": money.Format,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	// eat is a webhook attempt's time as the merchant's dashboard shows
	// it (Nairobi), to the second: retries can be seconds apart.
	"eat": func(t time.Time) string { return t.In(nairobi).Format("2 Jan 15:04:05 EAT") },
	"add": func(a, b int) int { return a + b },
}).ParseFS(templateFS, "templates/*.html"))

// nairobi is East Africa Time (UTC+3, no daylight saving).
var nairobi = time.FixedZone("EAT", 3*3600)

// ConsoleDeps is what the console needs.
type ConsoleDeps struct {
	DB     bun.IDB
	Auth   *auth.Service
	Web    *authweb.Web
	Policy *policy.Enforcer
	Notify *notify.Service
	Queue  *queue.Client
	// Redis and Queues feed the queues page (Asynq's inspector).
	Redis     redis.UniversalClient
	Queues    queue.Names
	PublicURL string
	Logger    *slog.Logger
}

// Console serves the platform console under /admin and the invitation
// pages, and holds the staff and support services the JSON API uses too.
type Console struct {
	ConsoleDeps
	Staff     *Staff
	inspector *asynq.Inspector
}

// NewConsole returns the console.
func NewConsole(d ConsoleDeps) *Console {
	m := Mailer{Notify: d.Notify, Queue: d.Queue}
	return &Console{ConsoleDeps: d, inspector: asynq.NewInspectorFromRedisClient(d.Redis),
		Staff: &Staff{DB: d.DB, Policy: d.Policy, Auth: d.Auth, Mailer: m, PublicURL: d.PublicURL}}
}

// Mount adds the console's pages. The policy gate has already limited
// each route to the platform roles it names.
func (k *Console) Mount(r fiber.Router) {
	ad := r.Group("/admin", noStore)
	ad.Get("", k.storesPage)
	ad.Get("/stores/:slug", k.storePage)
	ad.Post("/stores/:slug/suspend", k.setStatus(stores.StatusSuspended))
	ad.Post("/stores/:slug/reactivate", k.setStatus(stores.StatusActive))
	ad.Post("/stores/:slug/support", k.startSupport)
	ad.Post("/support/end", k.endSupport)
	ad.Get("/audit", k.auditPage)
	ad.Get("/queues", k.queuesPage)
	ad.Post("/queues/:queue/archived/run", k.archived((*asynq.Inspector).RunAllArchivedTasks))
	ad.Post("/queues/:queue/archived/delete", k.archived((*asynq.Inspector).DeleteAllArchivedTasks))
	inv := r.Group("/invitations", noStore)
	inv.Get("/:token", k.invitationPage)
	inv.Post("/:token", k.acceptInvitation)
}

// noStore keeps console pages out of every cache: they show people's data
// and carry CSRF tokens.
func noStore(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderPragma, "no-cache")
	return c.Next()
}

// page is what every console page's layout needs.
type page struct {
	Title   string
	User    *auth.User
	Role    string
	CSRF    string
	Support *auth.SupportGrant
	Flash   string
	Data    any
}

func (k *Console) render(c *fiber.Ctx, status int, name, title string, data any) error {
	p := page{Title: title, User: authweb.User(c), CSRF: k.Web.CSRFToken(c), Data: data, Flash: c.Query("done")}
	if cur := authweb.Current(c); cur != nil {
		p.Support = cur.Support
	}
	if p.User != nil {
		p.Role = k.Policy.PlatformRole(p.User.ID)
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, p); err != nil {
		return err
	}
	return c.Status(status).Type("html", "utf-8").Send(buf.Bytes())
}

type storesData struct {
	Stores      []Summary
	Search      string
	Page, Total int
	More        bool
}

func (k *Console) storesPage(c *fiber.Ctx) error {
	q := Query{Search: c.Query("q"), Page: c.QueryInt("page", 1)}
	ss, total, err := ListStores(c.UserContext(), k.DB, q)
	if err != nil {
		return err
	}
	q.normalise()
	return k.render(c, fiber.StatusOK, "stores.html", "Stores", storesData{Stores: ss, Search: c.Query("q"), Page: q.Page,
		Total: total, More: q.Page*q.PerPage < total})
}

func (k *Console) storePage(c *fiber.Ctx) error {
	d, err := StoreDetail(c.UserContext(), k.DB, policy.AccessOf(c).Store)
	if err != nil {
		return err
	}
	return k.render(c, fiber.StatusOK, "store.html", d.Store.Name, d)
}

func (k *Console) setStatus(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		a := policy.AccessOf(c)
		reason := c.FormValue("reason")
		a.Detail = reason
		err := SetStatus(c.UserContext(), k.DB, a.Store, authweb.User(c).ID, status, reason)
		if ie, ok := input.As(err); ok {
			return fiber.NewError(fiber.StatusBadRequest, ie.Message)
		}
		if err != nil && !errors.Is(err, ErrSameStatus) {
			return err
		}
		k.Logger.InfoContext(c.UserContext(), "store status changed", "store_id", a.Store.ID, "status", status)
		return c.Redirect("/admin/stores/"+a.Store.Slug+"?done="+status, fiber.StatusSeeOther)
	}
}

type auditData struct {
	Entries       []audit.Entry
	Store, Action string
}

func (k *Console) auditPage(c *fiber.Ctx) error {
	f := audit.Filter{Store: c.Query("store"), Action: c.Query("action"), Limit: 200}
	es, err := audit.List(c.UserContext(), k.DB, f)
	if err != nil {
		return err
	}
	return k.render(c, fiber.StatusOK, "audit.html", "Audit log", auditData{Entries: es, Store: f.Store, Action: f.Action})
}

// queueRow is one Asynq queue as the queues page shows it.
type queueRow struct {
	Name                                              string
	Size, Pending, Active, Scheduled, Retry, Archived int
	Processed, Failed                                 int
	Paused                                            bool
}

func (k *Console) queuesPage(c *fiber.Ctx) error {
	names, err := k.inspector.Queues()
	if err != nil {
		return err
	}
	rows := []queueRow{}
	for _, n := range names {
		if !strings.HasPrefix(n, k.Queues.Namespace+":") {
			continue // another deployment sharing the Redis
		}
		qi, err := k.inspector.GetQueueInfo(n)
		if err != nil {
			return err
		}
		rows = append(rows, queueRow{Name: n, Size: qi.Size, Pending: qi.Pending, Active: qi.Active, Scheduled: qi.Scheduled,
			Retry: qi.Retry, Archived: qi.Archived, Processed: qi.Processed, Failed: qi.Failed, Paused: qi.Paused})
	}
	return k.render(c, fiber.StatusOK, "queues.html", "Queues", rows)
}

// archived requeues or deletes a queue's archived tasks (final failures;
// their rows are in the database either way, so the sweepers would
// re-enqueue what still needs doing).
func (k *Console) archived(op func(*asynq.Inspector, string) (int, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		q := c.Params("queue")
		if !strings.HasPrefix(q, k.Queues.Namespace+":") {
			return fiber.ErrNotFound
		}
		n, err := op(k.inspector, strings.Clone(q))
		if err != nil {
			return err
		}
		policy.AccessOf(c).Detail = fmt.Sprintf("%s: %d tasks", q, n)
		return c.Redirect("/admin/queues?done="+strconv.Itoa(n)+"+tasks", fiber.StatusSeeOther)
	}
}
