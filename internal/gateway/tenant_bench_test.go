package gateway

import (
	"context"
	"strconv"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/tenants/stores"
)

// BenchmarkTenantResolution is the storefront's tenant middleware
// (stores.BySlug on :slug) through Fiber, with 1 and 10,000 stores in the
// table: the lookup must not grow with the number of tenants.
func BenchmarkTenantResolution(b *testing.B) {
	for _, n := range []int{1, 10_000} {
		b.Run("stores="+strconv.Itoa(n), func(b *testing.B) {
			d := dbtest.Open(b)
			ctx := context.Background()
			now := db.Now()
			uid := db.NewID("usr")
			if _, err := d.ExecContext(ctx, `INSERT INTO users (id,email,name,password_hash,created_at) VALUES (?,?,'A','x',?)`,
				uid, uid+"@x", now); err != nil {
				b.Fatal(err)
			}
			for start := 0; start < n; start += 1000 {
				batch := make([]stores.Store, 0, 1000)
				for i := start; i < min(n, start+1000); i++ {
					batch = append(batch, stores.Store{ID: db.NewID("sto"), Slug: "shop-" + strconv.Itoa(i), Name: "Shop", OwnerID: uid,
						Status: stores.StatusActive, Currency: "KES", PendingTTLSeconds: 1800, CreatedAt: now, NotifyPaidEmail: true})
				}
				if _, err := d.NewInsert().Model(&batch).Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
			h := &handlers{Deps: Deps{DB: d}}
			app := fiber.New()
			app.Get("/api/v1/storefront/:slug/ping", func(c *fiber.Ctx) error {
				ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
				defer cancel()
				c.SetUserContext(ctx)
				return c.Next()
			}, h.publicStore, func(c *fiber.Ctx) error { return c.SendStatus(fiber.StatusNoContent) })
			handle := app.Handler()
			var rc fasthttp.RequestCtx
			rc.Request.Header.SetMethod(fiber.MethodGet)
			path := "/api/v1/storefront/shop-" + strconv.Itoa(n/2) + "/ping"
			b.ReportAllocs()
			for b.Loop() {
				rc.Request.SetRequestURI(path)
				rc.Response.Reset()
				handle(&rc)
				if rc.Response.StatusCode() != fiber.StatusNoContent {
					b.Fatalf("status %d: %s", rc.Response.StatusCode(), rc.Response.Body())
				}
			}
		})
	}
}
