// Package migrations holds the SQL schema, embedded into the binary. Each file
// runs in its own transaction (.tx.up.sql) and is marked applied only after
// it succeeded.
package migrations

import "embed"

// FS is the migration files, for bun/migrate's Discover.
//
//go:embed *.sql
var FS embed.FS
