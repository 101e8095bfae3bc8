// Package admin is the platform console: the stores list with their health,
// a store's page, suspension, support access and the audit log, as
// server-rendered pages (console.go) over the queries in this file, which
// the JSON API under /api/v1/admin serves too.
package admin

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/payments"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/orders"
	"github.com/sokohub/sokohub/tenants/stores"
)

// ErrSameStatus refuses to suspend a suspended store (or reactivate an
// active one): the first request did it.
var ErrSameStatus = errors.New("admin: the store already has this status")

// Summary is a store as the stores list shows it.
type Summary struct {
	ID         string    `json:"id"`
	Slug       string    `json:"slug"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	OwnerEmail string    `json:"owner"`
	Currency   string    `json:"currency"`
	CreatedAt  time.Time `json:"created_at"`
	// PaidVolume30d is the total of orders paid in the last 30 days, in
	// cents of Currency.
	PaidVolume30d int64  `json:"paid_volume_30d"`
	Health        Health `json:"health"`
}

// Health is how a store's payments and webhooks are doing.
type Health struct {
	// Payments is ok, degraded (some pushes refused in the last day),
	// failing (most refused) or unconfigured (no M-Pesa credentials).
	Payments    string `json:"payments"`
	Attempts24h int64  `json:"attempts_24h"`
	Refused24h  int64  `json:"refused_24h"`
	// Webhooks is ok, degraded (deliveries failing) or none (no endpoint).
	Webhooks          string `json:"webhooks"`
	FailingDeliveries int64  `json:"failing_deliveries"`
}

// Query is a stores-list request.
type Query struct {
	// Search matches name, slug or the owner's email, case-insensitively.
	Search string
	// Page counts from 1; PerPage defaults to 25, at most 100.
	Page, PerPage int
}

func (q *Query) normalise() {
	q.Search = strings.ToLower(strings.TrimSpace(q.Search))
	q.Page = max(q.Page, 1)
	if q.PerPage <= 0 || q.PerPage > 100 {
		q.PerPage = 25
	}
}

// ListStores returns one page of stores, newest first, and how many match.
func ListStores(ctx context.Context, idb bun.IDB, q Query) ([]Summary, int, error) {
	q.normalise()
	out := []Summary{}
	sel := idb.NewSelect().TableExpr("stores AS s").Join("JOIN users AS u ON u.id = s.owner_id").
		ColumnExpr("s.id, s.slug, s.name, s.status, s.currency, s.created_at, u.email AS owner_email")
	if q.Search != "" {
		like := "%" + strings.NewReplacer("%", "", "_", "").Replace(q.Search) + "%"
		sel = sel.Where("(LOWER(s.name) LIKE ? OR s.slug LIKE ? OR u.email LIKE ?)", like, like, like)
	}
	total, err := sel.Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	err = sel.OrderExpr("s.created_at DESC, s.id DESC").Limit(int64(q.PerPage)).Offset(int64((q.Page-1)*q.PerPage)).Scan(ctx, &out)
	if err != nil {
		return nil, 0, err
	}
	if err := fillHealth(ctx, idb, out); err != nil {
		return nil, 0, err
	}
	return out, int(total), nil
}

// fillHealth adds volume and health to ss with a few grouped queries.
func fillHealth(ctx context.Context, idb bun.IDB, ss []Summary) error {
	if len(ss) == 0 {
		return nil
	}
	ids := make([]string, len(ss))
	for i, s := range ss {
		ids[i] = s.ID
	}
	now := db.Now()
	var volume []struct {
		StoreID string
		Total   int64
	}
	if err := idb.NewSelect().TableExpr("orders").ColumnExpr("store_id, SUM(total) AS total").
		Where("store_id IN (?)", bun.In(ids)).Where("status IN (?)", bun.In([]string{orders.StatusPaid, orders.StatusFulfilled})).
		Where("paid_at >= ?", now.Add(-30*24*time.Hour)).GroupExpr("store_id").Scan(ctx, &volume); err != nil {
		return err
	}
	var attempts []struct {
		StoreID string
		Status  string
		N       int64
	}
	if err := idb.NewSelect().TableExpr("payment_attempts").ColumnExpr("store_id, status, COUNT(*) AS n").
		Where("store_id IN (?)", bun.In(ids)).Where("created_at >= ?", now.Add(-24*time.Hour)).
		GroupExpr("store_id, status").Scan(ctx, &attempts); err != nil {
		return err
	}
	var failing []struct {
		StoreID string
		N       int64
	}
	if err := idb.NewSelect().TableExpr("webhook_deliveries").ColumnExpr("store_id, COUNT(*) AS n").
		Where("store_id IN (?)", bun.In(ids)).
		Where("(status = ? OR (status = ? AND attempts > 0))", webhooks.DeliveryFailed, webhooks.DeliveryPending).
		GroupExpr("store_id").Scan(ctx, &failing); err != nil {
		return err
	}
	var configured, hooked []string
	if err := idb.NewSelect().TableExpr("mpesa_credentials").Column("store_id").Where("store_id IN (?)", bun.In(ids)).Scan(ctx, &configured); err != nil {
		return err
	}
	if err := idb.NewSelect().TableExpr("webhook_endpoints").ColumnExpr("DISTINCT store_id").Where("store_id IN (?)", bun.In(ids)).Scan(ctx, &hooked); err != nil {
		return err
	}
	for i := range ss {
		s := &ss[i]
		for _, v := range volume {
			if v.StoreID == s.ID {
				s.PaidVolume30d = v.Total
			}
		}
		for _, a := range attempts {
			if a.StoreID == s.ID {
				s.Health.Attempts24h += a.N
				if a.Status == payments.StatusRejected {
					s.Health.Refused24h += a.N
				}
			}
		}
		for _, f := range failing {
			if f.StoreID == s.ID {
				s.Health.FailingDeliveries = f.N
			}
		}
		s.Health.Payments = paymentsHealth(s.Health, slices.Contains(configured, s.ID))
		s.Health.Webhooks = webhooksHealth(s.Health, slices.Contains(hooked, s.ID))
	}
	return nil
}

func paymentsHealth(h Health, configured bool) string {
	switch {
	case !configured:
		return "unconfigured"
	case h.Refused24h == 0:
		return "ok"
	case h.Refused24h*2 > h.Attempts24h:
		return "failing"
	default:
		return "degraded"
	}
}

func webhooksHealth(h Health, hooked bool) string {
	switch {
	case !hooked:
		return "none"
	case h.FailingDeliveries > 0:
		return "degraded"
	default:
		return "ok"
	}
}

// Summarise returns st as the list shows it.
func Summarise(ctx context.Context, idb bun.IDB, st *stores.Store) (*Summary, error) {
	s := Summary{ID: st.ID, Slug: st.Slug, Name: st.Name, Status: st.Status, Currency: st.Currency, CreatedAt: st.CreatedAt}
	if err := idb.NewSelect().TableExpr("users").Column("email").Where("id = ?", st.OwnerID).Scan(ctx, &s.OwnerEmail); err != nil {
		return nil, err
	}
	ss := []Summary{s}
	if err := fillHealth(ctx, idb, ss); err != nil {
		return nil, err
	}
	return &ss[0], nil
}

// StatusChange is one suspension or reactivation.
type StatusChange struct {
	bun.BaseModel `bun:"table:store_status_changes"`

	ID      string    `bun:",pk" json:"-"`
	StoreID string    `json:"-"`
	Status  string    `json:"status"`
	Reason  string    `json:"reason"`
	ActorID string    `json:"-"`
	At      time.Time `json:"at"`
}

// SetStatus suspends (status suspended) or reactivates (active) st with a
// reason, recording the change; st is updated in place. Suspending keeps
// every row: payments in flight still settle and their webhooks still go
// out, only new checkouts and the store's keys and staff are refused.
func SetStatus(ctx context.Context, idb bun.IDB, st *stores.Store, actorID, status, reason string) error {
	reason = strings.TrimSpace(reason)
	if status == stores.StatusSuspended && (len(reason) < 3 || len(reason) > 500) {
		return input.Invalid("reason", "Say why the store is suspended, in 3 to 500 characters.")
	}
	if len(reason) > 500 {
		return input.Invalid("reason", "Keep the reason under 500 characters.")
	}
	return db.RunInTx(ctx, idb, func(ctx context.Context, tx bun.IDB) error {
		res, err := tx.NewUpdate().Table("stores").Set("status = ?", status).
			Where("id = ?", st.ID).Where("status <> ?", status).Exec(ctx)
		if err != nil {
			return err
		}
		if db.Affected(res) == 0 {
			return ErrSameStatus
		}
		st.Status = status
		_, err = tx.NewInsert().Model(&StatusChange{ID: db.NewID("ssc"), StoreID: st.ID, Status: status, Reason: reason,
			ActorID: actorID, At: db.Now()}).Exec(ctx)
		return err
	})
}
