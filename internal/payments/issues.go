package payments

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/tenants/orders"
)

// Kinds of payment issue.
const (
	IssueOverpaid       = "overpaid"        // a second payment for a paid order
	IssueAmountMismatch = "amount_mismatch" // paid another amount than prompted
)

// Issue statuses and resolutions.
const (
	IssueOpen     = "open"
	IssueResolved = "resolved"

	ResolveRefund = "refund" // the merchant refunds the customer
	ResolveMatch  = "match"  // the money pays another pending order
)

// Issue is money that arrived but could not simply pay its order; the
// merchant resolves it.
type Issue struct {
	bun.BaseModel `bun:"table:payment_issues"`

	ID              string    `bun:",pk" json:"id"`
	StoreID         string    `json:"-"`
	AttemptID       string    `json:"attempt_id"`
	OrderID         string    `json:"order_id"`
	Kind            string    `json:"kind"`
	Amount          int64     `json:"amount"`
	Currency        string    `json:"currency"`
	Receipt         string    `bun:",nullzero" json:"receipt"`
	Status          string    `json:"status"`
	Resolution      string    `bun:",nullzero" json:"resolution,omitempty"`
	ResolvedOrderID string    `bun:",nullzero" json:"resolved_order_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	ResolvedAt      time.Time `bun:",nullzero" json:"resolved_at,omitzero"`
}

// ErrIssueResolved is returned when resolving an issue twice.
var ErrIssueResolved = errors.New("payments: this payment issue is already resolved")

// recordIssue opens an issue for attempt a inside tx (once per attempt and
// kind) with its alert event.
func recordIssue(ctx context.Context, tx bun.IDB, a *Attempt, kind string, amount int64, receipt, eventType string) error {
	is := &Issue{ID: db.NewID("pis"), StoreID: a.StoreID, AttemptID: a.ID, OrderID: a.OrderID, Kind: kind,
		Amount: amount, Currency: a.Currency, Receipt: receipt, Status: IssueOpen, CreatedAt: db.Now()}
	res, err := tx.NewInsert().Model(is).On("CONFLICT (attempt_id, kind) DO NOTHING").Exec(ctx)
	if err != nil || db.Affected(res) == 0 {
		return err
	}
	// The order as it stands, like every order event: receivers need no
	// second call to know which order the money was for.
	snap, err := orders.TakeSnapshot(ctx, tx, a.StoreID, a.OrderID)
	if err != nil {
		return err
	}
	_, err = outbox.Record(ctx, tx, a.StoreID, eventType, a.OrderID, map[string]any{"order": snap, "issue": is,
		"prompted_amount": a.Amount})
	return err
}

// Issues lists storeID's payment issues, newest first, optionally by status.
func Issues(ctx context.Context, idb bun.IDB, storeID, status string) ([]Issue, error) {
	is := []Issue{}
	q := idb.NewSelect().Model(&is).Where("store_id = ?", storeID).Order("created_at DESC").Limit(200)
	if status != "" {
		q = q.Where("status = ?", status)
	}
	return is, q.Scan(ctx)
}

// Resolve closes issue id of storeID: a refund the merchant makes outside
// SokoHub, or a match that pays pending order orderID with this money.
func (s *Service) Resolve(ctx context.Context, storeID, id, action, orderID string) (*Issue, error) {
	if action != ResolveRefund && action != ResolveMatch {
		return nil, input.Invalid("action", "action must be refund or match")
	}
	is := new(Issue)
	err := db.RunInTx(ctx, s.db, func(ctx context.Context, tx bun.IDB) error {
		if err := tx.NewSelect().Model(is).Where("store_id = ?", storeID).Where("id = ?", id).Scan(ctx); err != nil {
			return db.NotFound(err)
		}
		if is.Status != IssueOpen {
			return ErrIssueResolved
		}
		if action == ResolveMatch {
			if err := s.matchIssue(ctx, tx, is, orderID); err != nil {
				return err
			}
		}
		now := db.Now()
		res, err := tx.NewUpdate().Model((*Issue)(nil)).Set("status = ?", IssueResolved).Set("resolution = ?", action).
			Set("resolved_order_id = ?", nullable(orderID)).Set("resolved_at = ?", now).
			Where("id = ?", is.ID).Where("status = ?", IssueOpen).Exec(ctx)
		if err != nil {
			return err
		}
		if db.Affected(res) == 0 {
			return ErrIssueResolved
		}
		is.Status, is.Resolution, is.ResolvedAt = IssueResolved, action, now
		return nil
	})
	return is, err
}

// matchIssue pays a pending order of the same store with the issue's money,
// when the amounts agree exactly.
func (s *Service) matchIssue(ctx context.Context, tx bun.IDB, is *Issue, orderID string) error {
	if is.Kind == IssueAmountMismatch {
		// The attempt may have paid its own order since (an STK Query
		// confirmed it): that money cannot pay a second order.
		a, err := get(ctx, tx, is.AttemptID)
		if err != nil {
			return err
		}
		if a.Status == StatusSucceeded {
			return input.Invalid("action", "this payment already paid its own order; refund or close it instead")
		}
	}
	o, err := orders.Get(ctx, tx, is.StoreID, orderID)
	if err != nil {
		return input.Invalid("order_id", "no such order in this store")
	}
	if o.Total != is.Amount || o.Currency != is.Currency {
		return input.Invalid("order_id", "the payment's amount differs from that order's total")
	}
	paid, err := orders.MarkPaid(ctx, tx, is.StoreID, o.ID, orders.StatusPending, is.Receipt, "")
	if err != nil {
		return err
	}
	if paid == nil {
		return input.Invalid("order_id", "that order is not waiting for payment")
	}
	snap, err := orders.TakeSnapshot(ctx, tx, is.StoreID, o.ID)
	if err != nil {
		return err
	}
	is.ResolvedOrderID = o.ID
	_, err = outbox.Record(ctx, tx, is.StoreID, outbox.OrderPaid, o.ID, map[string]any{"order": snap,
		"payment": map[string]any{"receipt": is.Receipt, "amount": is.Amount, "currency": is.Currency, "matched_issue": is.ID}})
	return err
}
