package db

import (
	"context"
	"fmt"
	"hash/fnv"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"

	"github.com/sokohub/sokohub/migrations"
)

// Migrator runs the embedded migrations.
type Migrator struct {
	db *bun.DB
	m  *migrate.Migrator
}

// NewMigrator prepares the embedded migrations for db.
func NewMigrator(db *bun.DB) (*Migrator, error) {
	ms := migrate.NewMigrations()
	if err := ms.Discover(migrations.FS); err != nil {
		return nil, fmt.Errorf("db: discover migrations: %w", err)
	}
	return &Migrator{db: db, m: migrate.NewMigrator(db, ms, migrate.WithMarkAppliedOnSuccess(true))}, nil
}

// Up applies every pending migration. On PostgreSQL it holds an advisory
// lock for the duration, so two replicas starting together migrate once.
func (m *Migrator) Up(ctx context.Context) error {
	return m.locked(ctx, func() error {
		_, err := m.m.Migrate(ctx)
		return err
	})
}

// Down rolls back the last group of migrations.
func (m *Migrator) Down(ctx context.Context) error {
	return m.locked(ctx, func() error {
		_, err := m.m.Rollback(ctx)
		return err
	})
}

// Status lists every migration with whether it is applied.
func (m *Migrator) Status(ctx context.Context) (migrate.MigrationSlice, error) {
	if err := m.m.Init(ctx); err != nil {
		return nil, err
	}
	return m.m.MigrationsWithStatus(ctx)
}

// Pending returns the migrations not yet applied; readiness checks use it.
func (m *Migrator) Pending(ctx context.Context) (migrate.MigrationSlice, error) {
	ms, err := m.Status(ctx)
	if err != nil {
		return nil, err
	}
	return ms.Unapplied(), nil
}

// Unapplied returns the names of the embedded migrations the database has
// not applied, without creating or locking anything (readiness probes call
// it). A database never migrated is an error.
func (m *Migrator) Unapplied(ctx context.Context) ([]string, error) {
	ms, err := m.m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, fmt.Errorf("db: migration status: %w", err)
	}
	var names []string
	for _, mg := range ms.Unapplied() {
		names = append(names, mg.Name)
	}
	return names, nil
}

func (m *Migrator) locked(ctx context.Context, fn func() error) error {
	if !IsPostgres(m.db) {
		if err := m.m.Init(ctx); err != nil {
			return err
		}
		return fn()
	}
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	key := lockKey("sokohub:migrations")
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", key); err != nil {
		return fmt.Errorf("db: migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", key) //nolint:errcheck // released with the session anyway
	if err := m.m.Init(ctx); err != nil {
		return err
	}
	return fn()
}

func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64() >> 1)
}
