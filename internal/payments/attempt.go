// Package payments owns M-Pesa payment attempts: starting them, sending the
// STK Push, storing callbacks, and settling each attempt from a callback or
// an STK Query — exactly once, whatever order those arrive in.
package payments

import (
	"context"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// Attempt statuses (see the architecture note).
const (
	StatusQueued    = "queued"
	StatusPrompted  = "prompted"
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusTimedOut  = "timed_out"
	StatusRejected  = "rejected"
)

// ErrAttemptLive is returned when an order already has an attempt waiting
// for the customer: a second prompt would time the first one out.
var ErrAttemptLive = errors.New("payments: a payment prompt is already in progress for this order")

// Attempt is one STK Push to one phone for one order. Amount is in minor
// units.
type Attempt struct {
	bun.BaseModel `bun:"table:payment_attempts"`

	ID                string    `bun:",pk" json:"id"`
	StoreID           string    `json:"-"`
	OrderID           string    `json:"-"`
	Status            string    `json:"status"`
	Phone             string    `json:"phone"`
	Amount            int64     `json:"amount"`
	Currency          string    `json:"currency"`
	CallbackTokenHash string    `json:"-"`
	MerchantRequestID string    `bun:",nullzero" json:"-"`
	CheckoutRequestID string    `bun:",nullzero" json:"checkout_request_id"`
	Receipt           string    `bun:",nullzero" json:"receipt"`
	ResultCode        string    `bun:",nullzero" json:"result_code"`
	ResultDesc        string    `bun:",nullzero" json:"-"`
	FailureReason     string    `bun:",nullzero" json:"failure_reason"`
	MerchantReason    string    `bun:",nullzero" json:"merchant_reason,omitempty"`
	PayerPhone        string    `bun:",nullzero" json:"payer_phone,omitempty"`
	Queries           int64     `json:"-"`
	PushStartedAt     time.Time `bun:",nullzero" json:"-"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	ResolvedAt        time.Time `bun:",nullzero" json:"resolved_at,omitzero"`
}

// Live tells whether the attempt may still be answered by the customer.
func (a *Attempt) Live() bool { return a.Status == StatusQueued || a.Status == StatusPrompted }

// Start creates a queued attempt for order orderID inside tx. The database
// refuses a second live attempt for the same order (ErrAttemptLive).
func (s *Service) Start(ctx context.Context, tx bun.IDB, storeID, orderID, phone string, amount int64, currency string) (*Attempt, error) {
	now := db.Now()
	a := &Attempt{ID: db.NewID("pay"), StoreID: storeID, OrderID: orderID, Status: StatusQueued, Phone: phone,
		Amount: amount, Currency: currency, CreatedAt: now, UpdatedAt: now}
	a.CallbackTokenHash = s.tokens.Hash("callback", a.ID)
	if _, err := tx.NewInsert().Model(a).Exec(ctx); err != nil {
		if db.IsUniqueViolation(err) {
			return nil, ErrAttemptLive
		}
		return nil, err
	}
	return a, nil
}

// ForOrder lists an order's attempts, oldest first.
func ForOrder(ctx context.Context, idb bun.IDB, storeID, orderID string) ([]Attempt, error) {
	as := []Attempt{}
	err := idb.NewSelect().Model(&as).Where("store_id = ?", storeID).Where("order_id = ?", orderID).
		Order("created_at", "id").Scan(ctx)
	return as, err
}

// Latest returns an order's newest attempt. A view that shows the order
// too reads the attempt first: both change in one transaction, so the
// order read after it is never older than the attempt.
func Latest(ctx context.Context, idb bun.IDB, storeID, orderID string) (*Attempt, error) {
	a := new(Attempt)
	err := idb.NewSelect().Model(a).Where("store_id = ?", storeID).Where("order_id = ?", orderID).
		Order("created_at DESC", "id DESC").Limit(1).Scan(ctx)
	return a, db.NotFound(err)
}

func get(ctx context.Context, idb bun.IDB, id string) (*Attempt, error) {
	a := new(Attempt)
	err := idb.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	return a, db.NotFound(err)
}
