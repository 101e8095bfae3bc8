// Package audit is the append-only record of sensitive acts: who did it
// (the actor, and the subject they acted as), what, in which store, from
// which address, when, and the outcome. It only inserts and reads; no
// entry holds a secret.
package audit

import (
	"context"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// Outcomes.
const (
	OK     = "ok"
	Denied = "denied"
	Failed = "failed"
)

// Entry is one audited act.
type Entry struct {
	bun.BaseModel `bun:"table:audit_log"`

	ID      string    `bun:",pk" json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	ActorID string    `json:"-"`
	Subject string    `json:"subject"`
	StoreID string    `json:"-"`
	Store   string    `bun:"store_slug" json:"store"`
	Action  string    `json:"action"`
	IP      string    `json:"ip"`
	Outcome string    `json:"outcome"`
	Detail  string    `json:"detail,omitempty"`
}

// Record appends e, stamping its id and time.
func Record(ctx context.Context, idb bun.IDB, e Entry) error {
	e.ID, e.At = db.NewID("aud"), db.Now()
	_, err := idb.NewInsert().Model(&e).Exec(ctx)
	return err
}

// Filter narrows a listing; empty fields match everything.
type Filter struct {
	// Store is a store's slug.
	Store string
	// Action matches an action exactly, or every action under a prefix
	// ending in "." ("credentials.").
	Action string
	// Limit defaults to 100, at most 500.
	Limit int
}

// List returns entries matching f, newest first.
func List(ctx context.Context, idb bun.IDB, f Filter) ([]Entry, error) {
	es := []Entry{}
	q := idb.NewSelect().Model(&es).Order("at DESC", "id DESC").Limit(int64(limit(f.Limit)))
	if f.Store != "" {
		q = q.Where("store_slug = ?", f.Store)
	}
	if prefix, ok := strings.CutSuffix(f.Action, "."); ok && prefix != "" {
		q = q.Where("action LIKE ?", prefix+".%")
	} else if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	return es, q.Scan(ctx)
}

func limit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 500:
		return 500
	default:
		return n
	}
}
