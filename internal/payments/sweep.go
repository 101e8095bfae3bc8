package payments

import (
	"context"
	"strconv"
	"time"

	"github.com/sokohub/sokohub/internal/db"
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
		Where("status = ?", StatusQueued).Where("updated_at < ?", now.Add(-time.Minute)).
		Order("updated_at").Limit(sweepBatch).Scan(ctx); err != nil {
		return err
	}
	for _, a := range queued {
		s.enqueue(ctx, queue.Job{Type: queue.TypeSTKPush, ID: a.ID, StoreID: a.StoreID, Key: "sweep"})
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

func (s *Service) enqueue(ctx context.Context, j queue.Job) {
	if err := s.queue.Enqueue(ctx, j); err != nil {
		s.log.ErrorContext(ctx, "sweep enqueue", "type", j.Type, "id", j.ID, "err", err)
	}
}
