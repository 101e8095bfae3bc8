package db

import (
	"cmp"
	"time"
)

// Pool is the PostgreSQL connection pool of one process. Each replica has
// its own, so MaxConns times the replicas (gateways, workers, the migrate
// job) must stay under the server's max_connections. The zero value gives
// the defaults.
type Pool struct {
	// MaxConns bounds open connections. Defaults to 20.
	MaxConns int
	// MaxIdleConns bounds idle connections kept open. Defaults to MaxConns.
	MaxIdleConns int
	// ConnMaxLifetime closes connections older than this, so a failover or
	// a PgBouncer restart is picked up. Defaults to 30 minutes.
	ConnMaxLifetime time.Duration
	// ConnMaxIdleTime closes connections idle this long. Defaults to 5
	// minutes.
	ConnMaxIdleTime time.Duration
	// StatementTimeout is PostgreSQL's statement_timeout for every
	// connection; zero leaves the server's setting.
	StatementTimeout time.Duration
}

// Pool defaults.
const (
	DefaultMaxConns        = 20
	DefaultConnMaxLifetime = 30 * time.Minute
	DefaultConnMaxIdleTime = 5 * time.Minute
)

func (p Pool) withDefaults() Pool {
	p.MaxConns = cmp.Or(p.MaxConns, DefaultMaxConns)
	p.MaxIdleConns = min(cmp.Or(p.MaxIdleConns, p.MaxConns), p.MaxConns)
	p.ConnMaxLifetime = cmp.Or(p.ConnMaxLifetime, DefaultConnMaxLifetime)
	p.ConnMaxIdleTime = cmp.Or(p.ConnMaxIdleTime, DefaultConnMaxIdleTime)
	return p
}
