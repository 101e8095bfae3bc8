package webhooks

import (
	"context"
	"encoding/json"
	"time"

	"github.com/uptrace/bun"
)

// DeliveryFilter selects deliveries for the merchant's log. StoreID is
// required; the rest narrow it.
type DeliveryFilter struct {
	StoreID    string
	EndpointID string
	Status     string
	EventType  string
	// OrderID keeps the deliveries of one order's events.
	OrderID string
	// Before is a cursor: only deliveries older than this delivery id.
	Before string
	// Limit defaults to 50, at most 200.
	Limit int
}

// DeliveryStatuses are the values DeliveryFilter.Status accepts.
var DeliveryStatuses = []string{DeliveryPending, DeliveryHeld, DeliveryDelivered, DeliveryFailed}

// LoggedDelivery is a delivery with the event it carries and every attempt.
type LoggedDelivery struct {
	Delivery
	Attempts []AttemptView `json:"attempt_log"`
}

// AttemptView is one logged HTTP request and what came back.
type AttemptView struct {
	ID        string    `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Request   struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"headers"`
		Body    string            `json:"body"`
	} `json:"request"`
	Response struct {
		Status int64  `json:"status"`
		Body   string `json:"body"`
	} `json:"response"`
	DurationMs int64  `json:"duration_ms"`
	Error      string `json:"error,omitempty"`
}

// ListDeliveries returns the deliveries f selects, newest first, each with
// its attempts oldest first.
func ListDeliveries(ctx context.Context, idb bun.IDB, f DeliveryFilter) ([]LoggedDelivery, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 200)
	var ds []Delivery
	q := idb.NewSelect().Model(&ds).ColumnExpr("d.*").ColumnExpr("e.type AS event_type").
		Join("JOIN events AS e ON e.id = d.event_id").Where("d.store_id = ?", f.StoreID).
		Order("d.id DESC").Limit(int64(limit))
	if f.EndpointID != "" {
		q = q.Where("d.endpoint_id = ?", f.EndpointID)
	}
	if f.Status != "" {
		q = q.Where("d.status = ?", f.Status)
	}
	if f.EventType != "" {
		q = q.Where("e.type = ?", f.EventType)
	}
	if f.OrderID != "" {
		q = q.Where("e.order_id = ?", f.OrderID)
	}
	if f.Before != "" {
		q = q.Where("d.id < ?", f.Before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]LoggedDelivery, len(ds))
	if len(ds) == 0 {
		return out, nil
	}
	ids, eventIDs := make([]string, len(ds)), make([]string, len(ds))
	at := map[string]int{}
	for i, d := range ds {
		out[i] = LoggedDelivery{Delivery: d, Attempts: []AttemptView{}}
		ids[i], eventIDs[i], at[d.ID] = d.ID, d.EventID, i
	}
	bodies, err := payloads(ctx, idb, f.StoreID, eventIDs)
	if err != nil {
		return nil, err
	}
	var logs []attemptLog
	err = idb.NewSelect().Model(&logs).Where("store_id = ?", f.StoreID).Where("delivery_id IN (?)", bun.In(ids)).
		Order("created_at", "id").Scan(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range logs {
		i := at[l.DeliveryID]
		out[i].Attempts = append(out[i].Attempts, l.view(bodies[out[i].EventID]))
	}
	return out, nil
}

func payloads(ctx context.Context, idb bun.IDB, storeID string, eventIDs []string) (map[string]string, error) {
	var rows []struct {
		ID      string
		Payload string
	}
	err := idb.NewSelect().Table("events").Column("id", "payload").Where("store_id = ?", storeID).
		Where("id IN (?)", bun.In(eventIDs)).Scan(ctx, &rows)
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		m[r.ID] = r.Payload
	}
	return m, err
}

func (l attemptLog) view(body string) AttemptView {
	var v AttemptView
	v.ID, v.CreatedAt, v.DurationMs, v.Error = l.ID, l.CreatedAt, l.DurationMs, l.Error
	v.Request.URL, v.Request.Body = l.RequestURL, body
	_ = json.Unmarshal([]byte(l.RequestHeaders), &v.Request.Headers)
	v.Response.Status, v.Response.Body = l.StatusCode, l.ResponseBody
	return v
}
