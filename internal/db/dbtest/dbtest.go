// Package dbtest gives each test its own database: a fresh PostgreSQL
// database when SOKOHUB_DATABASE_URL is set (CI), a temporary SQLite file
// otherwise. Either is dropped when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// URL creates an empty database for t and returns its URL.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("SOKOHUB_DATABASE_URL")
	if base == "" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("dbtest: SOKOHUB_DATABASE_URL: %v", err)
	}
	admin, err := db.Open(base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	name := "sokohub_test_" + randomHex()
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		_ = admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// Open returns a migrated database for t, closed when the test ends.
func Open(t testing.TB) *bun.DB {
	t.Helper()
	d, err := db.Open(URL(t))
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	m, err := db.NewMigrator(d)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	if err := m.Up(context.Background()); err != nil {
		t.Fatalf("dbtest: migrate: %v", err)
	}
	return d
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
