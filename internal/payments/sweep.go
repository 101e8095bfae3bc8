package payments

import (
	"context"
	"strconv"
	"time"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/queue"
)

// sweepBatch bounds one sweep; the next tick takes the rest.
const sweepBatch = 500

// timedOutWatch is how long a timed-out attempt is still queried: a
// customer who answered late can still have paid.
const timedOutWatch = time.Hour

// Sweep re-enqueues whatever the queue lost: attempts never pushed,
// prompted attempts nobody settled, and callbacks never processed. It is
// what makes a Redis that lost its data, or a crashed worker, lose nothing.
func (s *Service) Sweep(ctx context.Context, tick int64) error {
	now := db.Now()
	var queued []Attempt
	if err := s.db.NewSelect().Model(&queued).Column("id", "store_id").
		Where("status = ?", StatusQueued).Where("push_started_at IS NULL").Where("updated_at < ?", now.Add(-time.Minute)).
		Order("updated_at").Limit(sweepBatch).Scan(ctx); err != nil {
		return err
	}
	for _, a := range queued {
		s.enqueue(ctx, queue.Job{Type: queue.TypeSTKPush, ID: a.ID, StoreID: a.StoreID, Key: "sweep"})
	}
	if err := s.releaseUnconfirmed(ctx, now); err != nil {
		return err
	}
	var open []Attempt
	if err := s.db.NewSelect().Model(&open).Column("id", "store_id").
		Where("status = ?", StatusPrompted).Where("updated_at < ?", now.Add(-s.queryDelay-time.Minute)).
		Order("updated_at").Limit(sweepBatch).Scan(ctx); err != nil {
		return err
	}
	for _, a := range open {
		s.enqueue(ctx, queue.Job{Type: queue.TypeSTKQuery, ID: a.ID, StoreID: a.StoreID, Key: "sweep-" + strconv.FormatInt(tick, 10)})
	}
	// 1037 is final for Daraja but not for the money: keep asking about
	// timed-out attempts for a while, every few minutes.
	var timedOut []Attempt
	if err := s.db.NewSelect().Model(&timedOut).Column("id", "store_id").
		Where("status = ?", StatusTimedOut).Where("resolved_at > ?", now.Add(-timedOutWatch)).
		Where("updated_at < ?", now.Add(-5*time.Minute)).
		Order("updated_at").Limit(sweepBatch).Scan(ctx); err != nil {
		return err
	}
	for _, a := range timedOut {
		s.enqueue(ctx, queue.Job{Type: queue.TypeSTKQuery, ID: a.ID, StoreID: a.StoreID, Key: "sweep-" + strconv.FormatInt(tick, 10)})
	}
	var cbs []Callback
	if err := s.db.NewSelect().Model(&cbs).Column("id").
		Where("processed_at IS NULL").Where("received_at < ?", now.Add(-30*time.Second)).
		Order("received_at").Limit(sweepBatch).Scan(ctx); err != nil {
		return err
	}
	for _, cb := range cbs {
		s.enqueue(ctx, queue.Job{Type: queue.TypeCallback, ID: cb.ID})
	}
	return nil
}

// releaseUnconfirmed ends attempts whose push went out (or may have) but
// whose answer never got recorded: they are never pushed again, so after
// UnconfirmedPush the customer may start a new attempt. A callback that
// still comes settles the old one (a success always pays).
func (s *Service) releaseUnconfirmed(ctx context.Context, now time.Time) error {
	var stuck []Attempt
	if err := s.db.NewSelect().Model(&stuck).
		Where("status = ?", StatusQueued).Where("push_started_at < ?", now.Add(-UnconfirmedPush)).
		Order("push_started_at").Limit(sweepBatch).Scan(ctx); err != nil {
		return err
	}
	for i := range stuck {
		s.log.WarnContext(ctx, "stk push never confirmed; the customer may retry", "attempt_id", stuck[i].ID, "store_id", stuck[i].StoreID)
		if err := s.reject(ctx, &stuck[i], mpesa.ResultInfo{CustomerReason: unconfirmedReason,
			MerchantReason: "Daraja's answer to the STK Push was never recorded"}); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) enqueue(ctx context.Context, j queue.Job) {
	if err := s.queue.Enqueue(ctx, j); err != nil {
		s.log.ErrorContext(ctx, "sweep enqueue", "type", j.Type, "id", j.ID, "err", err)
	}
}
