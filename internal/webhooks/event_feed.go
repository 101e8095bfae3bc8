package webhooks

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// FeedSettle is how old an event must be before the events API lists it.
// Ids are time-ordered but a transaction commits after it took its id, so
// without this delay a reader could page past an event that commits a
// moment later with a smaller id, and never see it.
const FeedSettle = 2 * time.Second

// FeedPage is a page of a store's events, oldest first.
type FeedPage struct {
	// Events are the bodies webhooks carry, byte for byte.
	Events []json.RawMessage
	// Last is the id of the last event, to pass as after for the next
	// page; it is the after given when the page is empty.
	Last string
}

// Feed lists storeID's events with ids after after ("" for the first),
// oldest first, at most limit (1 to 500, default 100), of type typ when it
// is set, and no younger than FeedSettle at now.
func Feed(ctx context.Context, idb bun.IDB, storeID, after, typ string, limit int, now time.Time) (FeedPage, error) {
	if limit <= 0 {
		limit = 100
	}
	var rows []struct {
		ID      string
		Payload string
	}
	q := idb.NewSelect().Table("events").Column("id", "payload").Where("store_id = ?", storeID).
		Where("created_at <= ?", now.Add(-FeedSettle)).Order("id").Limit(int64(min(limit, 500)))
	if after != "" {
		q = q.Where("id > ?", after)
	}
	if typ != "" {
		q = q.Where("type = ?", typ)
	}
	page := FeedPage{Events: []json.RawMessage{}, Last: after}
	if err := q.Scan(ctx, &rows); err != nil {
		return page, err
	}
	for _, r := range rows {
		page.Events = append(page.Events, json.RawMessage(r.Payload))
		page.Last = r.ID
	}
	return page, nil
}
