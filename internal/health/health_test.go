package health_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/health"
)

type bundle struct {
	app   *fiber.App
	check *health.Checker
	redis *miniredis.Miniredis
	db    *db.Migrator
}

func setup(t *testing.T) *bundle {
	t.Helper()
	d := dbtest.Open(t)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	c, err := health.New(d, rdb, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	app := fiber.New()
	c.Mount(app)
	m, err := db.NewMigrator(d)
	require.NoError(t, err)
	return &bundle{app: app, check: c, redis: mr, db: m}
}

func get(t *testing.T, app *fiber.App, path string) (int, health.Report) {
	t.Helper()
	res, err := app.Test(httptest.NewRequest("GET", path, nil), -1)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var r health.Report
	require.NoError(t, json.Unmarshal(raw, &r), "%s", raw)
	return res.StatusCode, r
}

func TestReadyWhenEverythingAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	status, r := get(t, b.app, "/readyz")
	require.Equal(t, 200, status)
	require.Equal(t, "ok", r.Status)
	require.Equal(t, map[string]string{"database": "ok", "redis": "ok", "migrations": "ok"}, r.Checks)
}

func TestNotReadyWithoutRedisButStillAlive(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.redis.Close()
	status, r := get(t, b.app, "/readyz")
	require.Equal(t, 503, status)
	require.Equal(t, "unreachable", r.Checks["redis"])
	require.Equal(t, "ok", r.Checks["database"])
	status, _ = get(t, b.app, "/healthz")
	require.Equal(t, 200, status, "liveness checks nothing: an outage must not restart every replica")
}

func TestNotReadyWhileMigrationsArePending(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.db.Down(context.Background()))
	status, r := get(t, b.app, "/readyz")
	require.Equal(t, 503, status)
	require.Equal(t, "pending", r.Checks["migrations"])
	require.NoError(t, b.db.Up(context.Background()))
	status, _ = get(t, b.app, "/readyz")
	require.Equal(t, 200, status)
}

func TestNotReadyOnceDraining(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.check.Drain()
	status, r := get(t, b.app, "/readyz")
	require.Equal(t, 503, status)
	require.Equal(t, "draining", r.Checks["shutdown"])
	status, _ = get(t, b.app, "/healthz")
	require.Equal(t, 200, status)
}
