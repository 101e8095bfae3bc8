package db_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
)

func TestMigrationsGoUpDownAndUpAgain(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	m, err := db.NewMigrator(d)
	require.NoError(t, err)
	ctx := context.Background()

	pending, err := m.Pending(ctx)
	require.NoError(t, err)
	require.Empty(t, pending, "dbtest.Open leaves no migration pending")

	require.NoError(t, m.Down(ctx))
	pending, err = m.Pending(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, pending)

	require.NoError(t, m.Up(ctx))
	var n int
	require.NoError(t, d.NewSelect().TableExpr("orders").ColumnExpr("count(*)").Scan(ctx, &n))
	require.Zero(t, n)
}

func TestOneLiveAttemptPerOrderIsEnforcedByTheDatabase(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t)
	ctx := context.Background()
	now := db.Now()
	exec := func(q string, args ...any) error { _, err := d.ExecContext(ctx, q, args...); return err }
	require.NoError(t, exec(`INSERT INTO users (id,email,name,password_hash,created_at) VALUES ('u','a@b','A','x',?)`, now))
	require.NoError(t, exec(`INSERT INTO stores (id,slug,name,owner_id,status,currency,order_seq,created_at) VALUES ('s','s','S','u','active','KES',0,?)`, now))
	require.NoError(t, exec(`INSERT INTO orders (id,store_id,number,status,total,currency,phone,customer_name,customer_email,token_hash,sequence,created_at,updated_at) VALUES ('o','s',1,'pending',100,'KES','254712345678','','','h',1,?,?)`, now, now))
	attempt := `INSERT INTO payment_attempts (id,store_id,order_id,status,phone,amount,currency,callback_token_hash,queries,created_at,updated_at) VALUES (?,'s','o',?,'254712345678',100,'KES',?,0,?,?)`
	require.NoError(t, exec(attempt, "a1", "prompted", "t1", now, now))
	err := exec(attempt, "a2", "queued", "t2", now, now)
	require.True(t, db.IsUniqueViolation(err), "second live attempt must be refused, got %v", err)
	require.NoError(t, exec(attempt, "a3", "failed", "t3", now, now), "resolved attempts do not count")
}
