// Package db opens SokoHub's database (PostgreSQL in production, SQLite as the
// embedded default) through bun, runs migrations, and holds the transaction
// and error helpers every store uses.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/oklog/ulid/v2"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/sqliteshim"
)

// ErrNotFound is returned by stores when a row does not exist or belongs to
// another store; callers cannot tell the two apart, on purpose.
var ErrNotFound = errors.New("not found")

// Open connects to url: postgres://… or sqlite:<path>, with the default
// pool.
func Open(url string) (*bun.DB, error) {
	return OpenPool(url, Pool{})
}

// OpenPool connects to url with pool's settings (PostgreSQL only: SQLite
// always has one connection).
func OpenPool(url string, pool Pool) (*bun.DB, error) {
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok {
		return openSQLite(path)
	}
	pgcfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("db: SOKOHUB_DATABASE_URL: %w", err)
	}
	pool = pool.withDefaults()
	if pool.StatementTimeout > 0 {
		// Server-side, so a query whose Go context gave up stops running too.
		pgcfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(pool.StatementTimeout.Milliseconds(), 10)
	}
	// bun writes every argument into the SQL text, so to pgx each query is
	// a statement never seen before: its default mode would prepare it (an
	// extra round trip) and then evict it from its statement cache. The
	// simple protocol sends the text once (docs/benchmarks.md).
	pgcfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	sqldb := stdlib.OpenDB(*pgcfg)
	sqldb.SetMaxOpenConns(pool.MaxConns)
	sqldb.SetMaxIdleConns(pool.MaxIdleConns)
	sqldb.SetConnMaxLifetime(pool.ConnMaxLifetime)
	sqldb.SetConnMaxIdleTime(pool.ConnMaxIdleTime)
	return ping(bun.NewDB(sqldb, pgdialect.New()))
}

// openSQLite uses one connection: SQLite has one writer anyway, and a single
// connection makes "database is locked" impossible inside the process. WAL
// and immediate transactions keep readers of other processes (the CLI)
// working.
func openSQLite(path string) (*bun.DB, error) {
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("db: create data dir: %w", err)
		}
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	sqldb, err := sql.Open(sqliteshim.ShimName, dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open sqlite: %w", err)
	}
	sqldb.SetMaxOpenConns(1)
	return ping(bun.NewDB(sqldb, sqlitedialect.New()))
}

func ping(db *bun.DB) (*bun.DB, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("db: connect: %w", err)
	}
	return db, nil
}

// IsPostgres tells whether db speaks PostgreSQL.
func IsPostgres(db bun.IDB) bool {
	return db.Dialect().Name().String() == "pg"
}

// NewID returns a time-ordered unique id with a type prefix, e.g. ord_01J….
func NewID(prefix string) string {
	return prefix + "_" + strings.ToLower(ulid.Make().String())
}

// Now is the time stored in rows: UTC, truncated to microseconds so that a
// value survives a round trip through either database unchanged.
func Now() time.Time {
	return time.Now().UTC().Truncate(time.Microsecond)
}
