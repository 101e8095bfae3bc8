package admin

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/secrets"
)

// sealedColumn is one kind of stored secret: its table and column, the
// key columns of a row, and the additional data it was sealed with. The
// aad functions repeat those of the owning packages (tenants/stores
// credentials.go, internal/webhooks endpoints.go); the rewrap test opens
// rewrapped values through those packages, so a drift fails it.
type sealedColumn struct {
	table, column string
	keys          []string
	aad           func(keys []string) []byte
}

var sealedColumns = []sealedColumn{
	mpesaColumn("passkey_sealed", "passkey"),
	mpesaColumn("consumer_key_sealed", "consumer_key"),
	mpesaColumn("secret_sealed", "consumer_secret"),
	webhookColumn("secret_sealed"),
	webhookColumn("previous_secret_sealed"),
}

func mpesaColumn(column, field string) sealedColumn {
	return sealedColumn{table: "mpesa_credentials", column: column, keys: []string{"store_id"},
		aad: func(k []string) []byte { return []byte("store:" + k[0] + ":mpesa:" + field) }}
}

func webhookColumn(column string) sealedColumn {
	return sealedColumn{table: "webhook_endpoints", column: column, keys: []string{"id", "store_id"},
		aad: func(k []string) []byte { return []byte("store:" + k[1] + ":webhook:" + k[0]) }}
}

// RewrapReport counts what a rewrap found and did.
type RewrapReport struct {
	// Values is every sealed value seen; Current those already under the
	// current master key; Rewrapped those sealed again (or, in a dry run,
	// that would be).
	Values, Current, Rewrapped int
}

// Rewrap seals every stored secret that is not under keys' current
// master key again under it, one conditional UPDATE per value (a value
// changed meanwhile by its owner is left to them: it is already on the
// new key). keys must hold the old keys too, so they can open the values.
// A dry run opens every value, proving the keyring can, and writes
// nothing. Run it until Rewrapped is 0; only then drop the old key.
func Rewrap(ctx context.Context, idb bun.IDB, keys *secrets.Keyring, dryRun bool) (RewrapReport, error) {
	var r RewrapReport
	for _, sc := range sealedColumns {
		if err := sc.rewrap(ctx, idb, keys, dryRun, &r); err != nil {
			return r, fmt.Errorf("%s.%s: %w", sc.table, sc.column, err)
		}
	}
	return r, nil
}

func (sc sealedColumn) rewrap(ctx context.Context, idb bun.IDB, keys *secrets.Keyring, dryRun bool, r *RewrapReport) error {
	cols := append(append([]string{}, sc.keys...), sc.column)
	rows, err := idb.NewSelect().Table(sc.table).Column(cols...).Where("? IS NOT NULL AND ? <> ''", bun.Ident(sc.column), bun.Ident(sc.column)).Rows(ctx)
	if err != nil {
		return err
	}
	type value struct {
		keys   []string
		sealed string
	}
	var vs []value
	for rows.Next() {
		dest := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range dest {
			ptrs[i] = &dest[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			_ = rows.Close()
			return err
		}
		vs = append(vs, value{keys: dest[:len(sc.keys)], sealed: dest[len(sc.keys)]})
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, v := range vs {
		r.Values++
		if secrets.KeyIDOf(v.sealed) == keys.KeyID() {
			r.Current++
			continue
		}
		plain, err := keys.Open(v.sealed, sc.aad(v.keys))
		if err != nil {
			return fmt.Errorf("row %v: %w", v.keys, err)
		}
		sealed, err := keys.Seal(plain, sc.aad(v.keys))
		clear(plain)
		if err != nil {
			return err
		}
		r.Rewrapped++
		if dryRun {
			continue
		}
		q := idb.NewUpdate().Table(sc.table).Set("? = ?", bun.Ident(sc.column), sealed).Where("? = ?", bun.Ident(sc.column), v.sealed)
		for i, k := range sc.keys {
			q = q.Where("? = ?", bun.Ident(k), v.keys[i])
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}
