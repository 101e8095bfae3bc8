package cluster

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
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
	// release, while not nil, holds every request until it is closed;
	// held has the remote addresses of the requests it holds.
	release chan struct{}
	held    map[string]bool
}

// Delivered is one event a receiver accepted.
type Delivered struct {
	Type    string
	OrderID string
	Times   int
}

// NewReceiver starts a receiver on loopback.
func NewReceiver(t testing.TB) *Receiver {
	r := &Receiver{accepted: map[string]Delivered{}, held: map[string]bool{}}
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
	if !r.wait(req) {
		return // the sender went away (killed) while held
	}
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

// Hold makes every request wait (unanswered, as a slow receiver's) until
// Release.
func (r *Receiver) Hold() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.release == nil {
		r.release = make(chan struct{})
	}
}

// Release answers the held requests and stops holding.
func (r *Receiver) Release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.release != nil {
		close(r.release)
		r.release = nil
	}
}

// Held returns the remote addresses of the requests being held.
func (r *Receiver) Held() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Collect(maps.Keys(r.held))
}

// wait holds req while Hold is on; false means its sender hung up.
func (r *Receiver) wait(req *http.Request) bool {
	r.mu.Lock()
	release := r.release
	if release != nil {
		r.held[req.RemoteAddr] = true
	}
	r.mu.Unlock()
	if release == nil {
		return true
	}
	defer func() {
		r.mu.Lock()
		delete(r.held, req.RemoteAddr)
		r.mu.Unlock()
	}()
	select {
	case <-release:
		return true
	case <-req.Context().Done():
		return false
	}
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
