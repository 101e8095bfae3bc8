package db

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/uptrace/bun"
)

// RunInTx runs fn in a transaction on db, or in a savepoint when db already
// is one. fn must use the bun.IDB it is given, never the outer handle (with
// SQLite's single connection that would deadlock).
func RunInTx(ctx context.Context, db bun.IDB, fn func(ctx context.Context, tx bun.IDB) error) error {
	return db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		return fn(ctx, tx)
	})
}

// IsUniqueViolation reports whether err is a unique-constraint violation, on
// either database.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Affected returns the rows an UPDATE or DELETE touched; conditional updates
// use it to tell "done" from "someone else got there first".
func Affected(res sql.Result) int64 {
	n, err := res.RowsAffected()
	if err != nil {
		return 0
	}
	return n
}

// NotFound maps sql.ErrNoRows to ErrNotFound and leaves other errors alone.
func NotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// UpdateOne runs q, an UPDATE of at most one row of T's table, and returns
// the row as q left it (RETURNING *), or nil when q matched none: the
// state change and the read that would follow it in one statement.
func UpdateOne[T any](ctx context.Context, q *bun.UpdateQuery) (*T, error) {
	var rows []T
	if _, err := q.Model(&rows).Returning("*").Exec(ctx); err != nil || len(rows) == 0 {
		return nil, err
	}
	return &rows[0], nil
}

// InsertNew inserts rows (a pointer to a slice of models with an ID),
// passing over those that conflict on the columns of target, in one
// statement, and returns the ids it inserted: a batch of fan-out rows is
// one round trip, and what an earlier run already wrote is not repeated.
func InsertNew(ctx context.Context, idb bun.IDB, rows any, target string) (map[string]bool, error) {
	var ids []string
	if _, err := idb.NewInsert().Model(rows).On("CONFLICT ("+target+") DO NOTHING").Returning("id").Exec(ctx, &ids); err != nil {
		return nil, err
	}
	inserted := make(map[string]bool, len(ids))
	for _, id := range ids {
		inserted[id] = true
	}
	return inserted, nil
}
