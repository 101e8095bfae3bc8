package loadtest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sokohub/sokohub/internal/webhooks"
)

// receiver is every seeded store's webhook endpoint (/hooks/{slug}): it
// checks each delivery's Standard Webhooks signature with that store's
// secret, answers 204 at once, and remembers when each event arrived.
type receiver struct {
	srv  *http.Server
	base string

	mu      sync.Mutex
	secrets map[string]string // by slug
	events  map[string]arrival
	byOrder map[string]time.Time // "type/order id" → first arrival
	dups    int
	bad     int
}

// arrival is one event's first delivery.
type arrival struct {
	Type    string
	OrderID string
	At      time.Time
}

type hookBody struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Order struct {
			ID string `json:"id"`
		} `json:"order"`
	} `json:"data"`
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{base: "http://" + ln.Addr().String(), secrets: map[string]string{}, events: map[string]arrival{},
		byOrder: map[string]time.Time{}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *receiver) close() { _ = r.srv.Close() }

func (r *receiver) url(slug string) string { return r.base + "/hooks/" + slug }

func (r *receiver) register(s *shop) {
	r.mu.Lock()
	r.secrets[s.Slug] = s.Secret
	r.mu.Unlock()
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	slug := strings.TrimPrefix(req.URL.Path, "/hooks/")
	r.mu.Lock()
	secret, known := r.secrets[slug]
	r.mu.Unlock()
	var e hookBody
	if err != nil || !known || webhooks.Verify(secret, req.Header, body, at) != nil || json.Unmarshal(body, &e) != nil {
		r.mu.Lock()
		r.bad++
		r.mu.Unlock()
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	if _, seen := r.events[e.ID]; seen {
		r.dups++
	} else {
		r.events[e.ID] = arrival{Type: e.Type, OrderID: e.Data.Order.ID, At: at}
		if e.Data.Order.ID != "" {
			r.byOrder[e.Type+"/"+e.Data.Order.ID] = at
		}
	}
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// orderEvent returns when the event of typ about orderID first arrived.
func (r *receiver) orderEvent(typ, orderID string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.byOrder[typ+"/"+orderID]
	return at, ok
}

// event returns when event id first arrived.
func (r *receiver) event(id string) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a, ok := r.events[id]
	return a.At, ok
}

// faults returns the deliveries refused for a bad signature or body, and
// the repeated ones (at-least-once delivery makes a few legitimate).
func (r *receiver) faults() (bad, dups int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bad, r.dups
}
