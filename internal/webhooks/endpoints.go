package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/secrets"
)

// Endpoint statuses.
const (
	EndpointActive   = "active"
	EndpointDisabled = "disabled"
)

// Subscribable is the event catalogue a seller may subscribe to.
var Subscribable = []string{outbox.OrderCreated, outbox.OrderPaid, outbox.OrderPaymentFailed, outbox.OrderExpired,
	outbox.OrderCancelled, outbox.OrderFulfilled, outbox.PaymentOverpaid, outbox.PaymentUnmatched}

// Endpoint is a seller's URL that receives signed events.
type Endpoint struct {
	bun.BaseModel `bun:"table:webhook_endpoints"`

	ID           string    `bun:",pk" json:"id"`
	StoreID      string    `json:"-"`
	URL          string    `json:"url"`
	Events       string    `json:"-"`
	SecretSealed string    `json:"-"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
}

// EventList is the endpoint's subscriptions.
func (e *Endpoint) EventList() []string {
	var es []string
	_ = json.Unmarshal([]byte(e.Events), &es)
	return es
}

// Wants tells whether the endpoint subscribed to typ (test events always go).
func (e *Endpoint) Wants(typ string) bool {
	return typ == outbox.EndpointTest || slices.Contains(e.EventList(), typ)
}

// Endpoints manages stores' webhook endpoints.
type Endpoints struct {
	keys *secrets.Keyring
	// requireHTTPS is set in production.
	requireHTTPS bool
}

// NewEndpoints returns an Endpoints sealing secrets under keys.
func NewEndpoints(keys *secrets.Keyring, requireHTTPS bool) *Endpoints {
	return &Endpoints{keys: keys, requireHTTPS: requireHTTPS}
}

func secretAAD(storeID, endpointID string) []byte {
	return []byte("store:" + storeID + ":webhook:" + endpointID)
}

// Create registers rawURL for events on storeID and returns the endpoint
// with its signing secret, shown this once.
func (m *Endpoints) Create(ctx context.Context, idb bun.IDB, storeID, rawURL string, events []string) (*Endpoint, string, error) {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && (m.requireHTTPS || u.Scheme != "http")) || u.User != nil {
		return nil, "", input.Invalid("url", "use an absolute https:// URL without credentials in it")
	}
	if len(events) == 0 {
		return nil, "", input.Invalid("events", fmt.Sprintf("subscribe to at least one of %s", strings.Join(Subscribable, ", ")))
	}
	for _, e := range events {
		if !slices.Contains(Subscribable, e) {
			return nil, "", input.Invalid("events", fmt.Sprintf("unknown event %q; known: %s", e, strings.Join(Subscribable, ", ")))
		}
	}
	secret, err := NewSecret()
	if err != nil {
		return nil, "", err
	}
	list, _ := json.Marshal(events)
	ep := &Endpoint{ID: db.NewID("whe"), StoreID: storeID, URL: u.String(), Events: string(list), Status: EndpointActive, CreatedAt: db.Now()}
	if ep.SecretSealed, err = m.keys.Seal([]byte(secret), secretAAD(storeID, ep.ID)); err != nil {
		return nil, "", err
	}
	if _, err := idb.NewInsert().Model(ep).Exec(ctx); err != nil {
		return nil, "", err
	}
	return ep, secret, nil
}

// List returns storeID's endpoints.
func List(ctx context.Context, idb bun.IDB, storeID string) ([]Endpoint, error) {
	es := []Endpoint{}
	err := idb.NewSelect().Model(&es).Where("store_id = ?", storeID).Order("created_at").Scan(ctx)
	return es, err
}

func (m *Endpoints) secret(e *Endpoint) (string, error) {
	b, err := m.keys.Open(e.SecretSealed, secretAAD(e.StoreID, e.ID))
	return string(b), err
}
