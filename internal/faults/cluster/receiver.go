package cluster

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Receiver is a seller's webhook endpoint. It records every delivery it
// accepted, by event id, and can be made slow or down.
type Receiver struct {
	URL string
	// Status, when not 0 or 200, is answered instead of accepting (503:
	// the receiver is down).
	Status atomic.Int32
	// Delay holds each request this long before answering (a slow
	// receiver keeps deliveries in flight).
	Delay atomic.Int64
	// InFlight counts requests being held or answered now.
	InFlight atomic.Int32

	mu       sync.Mutex
	accepted map[string]Delivered // by webhook-id (the event id)
	requests int
}

// Delivered is one event a receiver accepted.
type Delivered struct {
	Type    string
	OrderID string
	Times   int
}

// NewReceiver starts a receiver on loopback.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{accepted: map[string]Delivered{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hooks"
	return r
}

// ServeHTTP records the delivery (after Delay) unless Status says down.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.InFlight.Add(1)
	defer r.InFlight.Add(-1)
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if d := time.Duration(r.Delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-req.Context().Done():
			return
		}
	}
	r.mu.Lock()
	r.requests++
	r.mu.Unlock()
	if s := int(r.Status.Load()); s != 0 && s != http.StatusOK {
		w.WriteHeader(s)
		return
	}
	var ev struct {
		Type string `json:"type"`
		Data struct {
			Order struct {
				ID string `json:"id"`
			} `json:"order"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &ev)
	id := req.Header.Get("webhook-id")
	r.mu.Lock()
	d := r.accepted[id]
	d.Type, d.OrderID, d.Times = ev.Type, ev.Data.Order.ID, d.Times+1
	r.accepted[id] = d
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// Accepted returns the events accepted so far, by event id.
func (r *Receiver) Accepted() map[string]Delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]Delivered, len(r.accepted))
	for k, v := range r.accepted {
		out[k] = v
	}
	return out
}

// Requests counts every request received, accepted or not.
func (r *Receiver) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}
