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

// Endpoint statuses. Deliveries to a paused endpoint are held and sent on
// resume; a disabled one (the receiver answered 410 Gone) gets nothing new
// until the merchant resumes it.
const (
	EndpointActive   = "active"
	EndpointPaused   = "paused"
	EndpointDisabled = "disabled"
)

// RotationOverlap is how long a rotated-out secret keeps signing next to
// the new one, so the receiver can switch at its own pace.
const RotationOverlap = 24 * time.Hour

// Subscribable is the event catalogue a seller may subscribe to.
var Subscribable = []string{outbox.OrderCreated, outbox.OrderPaid, outbox.OrderPaymentFailed, outbox.OrderExpired,
	outbox.OrderCancelled, outbox.OrderFulfilled, outbox.PaymentOverpaid, outbox.PaymentUnmatched}

// Endpoint is a seller's URL that receives signed events.
type Endpoint struct {
	bun.BaseModel `bun:"table:webhook_endpoints"`

	ID                      string    `bun:",pk" json:"id"`
	StoreID                 string    `json:"-"`
	URL                     string    `json:"url"`
	Events                  string    `json:"-"`
	SecretSealed            string    `json:"-"`
	PreviousSecretSealed    string    `bun:",nullzero" json:"-"`
	PreviousSecretExpiresAt time.Time `bun:",nullzero" json:"previous_secret_expires_at,omitzero"`
	Status                  string    `json:"status"`
	StatusReason            string    `json:"status_reason,omitempty"`
	FailingSince            time.Time `bun:",nullzero" json:"failing_since,omitzero"`
	PausedAt                time.Time `bun:",nullzero" json:"paused_at,omitzero"`
	CreatedAt               time.Time `json:"created_at"`
}

// EventList is the endpoint's subscriptions.
func (e *Endpoint) EventList() []string {
	var es []string
	_ = json.Unmarshal([]byte(e.Events), &es)
	return es
}

// Wants tells whether the endpoint subscribed to typ.
func (e *Endpoint) Wants(typ string) bool { return slices.Contains(e.EventList(), typ) }

// View is the endpoint as the merchant API shows it.
func (e *Endpoint) View() map[string]any {
	v := map[string]any{"id": e.ID, "url": e.URL, "events": e.EventList(), "status": e.Status, "created_at": e.CreatedAt}
	if e.StatusReason != "" {
		v["status_reason"] = e.StatusReason
	}
	if !e.FailingSince.IsZero() {
		v["failing_since"] = e.FailingSince
	}
	if !e.PausedAt.IsZero() {
		v["paused_at"] = e.PausedAt
	}
	if !e.PreviousSecretExpiresAt.IsZero() {
		v["previous_secret_expires_at"] = e.PreviousSecretExpiresAt
	}
	return v
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
		return nil, "", input.Invalid("url", "Enter your server's full address, starting with https://, with no user name or password in it.")
	}
	if len(events) == 0 {
		return nil, "", input.Invalid("events", fmt.Sprintf("Pick at least one event to send (%s).", strings.Join(Subscribable, ", ")))
	}
	for _, e := range events {
		if !slices.Contains(Subscribable, e) {
			return nil, "", input.Invalid("events", fmt.Sprintf("We send no event called %q. The events are %s.", e, strings.Join(Subscribable, ", ")))
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

// Get loads one of storeID's endpoints.
func Get(ctx context.Context, idb bun.IDB, storeID, id string) (*Endpoint, error) {
	ep := new(Endpoint)
	err := idb.NewSelect().Model(ep).Where("store_id = ?", storeID).Where("id = ?", id).Scan(ctx)
	return ep, db.NotFound(err)
}

// Rotate gives endpoint id a new secret, returned this once. The current
// secret keeps signing next to it until now+RotationOverlap; a secret
// still in an earlier overlap stops signing at once.
func (m *Endpoints) Rotate(ctx context.Context, idb bun.IDB, storeID, id string, now time.Time) (*Endpoint, string, error) {
	var ep *Endpoint
	secret, err := NewSecret()
	if err != nil {
		return nil, "", err
	}
	err = db.RunInTx(ctx, idb, func(ctx context.Context, tx bun.IDB) error {
		var err error
		if ep, err = Get(ctx, tx, storeID, id); err != nil {
			return err
		}
		sealed, err := m.keys.Seal([]byte(secret), secretAAD(storeID, ep.ID))
		if err != nil {
			return err
		}
		ep.PreviousSecretSealed, ep.PreviousSecretExpiresAt, ep.SecretSealed = ep.SecretSealed, now.Add(RotationOverlap), sealed
		// Conditional on the secret read, so two rotations at once cannot
		// both keep "the previous" secret and lose one.
		res, err := tx.NewUpdate().Model((*Endpoint)(nil)).Set("secret_sealed = ?", sealed).
			Set("previous_secret_sealed = ?", ep.PreviousSecretSealed).
			Set("previous_secret_expires_at = ?", ep.PreviousSecretExpiresAt).
			Where("id = ?", ep.ID).Where("store_id = ?", storeID).Where("secret_sealed = ?", ep.PreviousSecretSealed).Exec(ctx)
		if err != nil {
			return err
		}
		if db.Affected(res) == 0 {
			return ErrConcurrentChange
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return ep, secret, nil
}

// signingSecrets are the secrets a delivery made at now is signed with:
// the current one, and the previous one during its overlap.
func (m *Endpoints) signingSecrets(e *Endpoint, now time.Time) ([]string, error) {
	cur, err := m.keys.Open(e.SecretSealed, secretAAD(e.StoreID, e.ID))
	if err != nil {
		return nil, err
	}
	out := []string{string(cur)}
	if e.PreviousSecretSealed != "" && now.Before(e.PreviousSecretExpiresAt) {
		prev, err := m.keys.Open(e.PreviousSecretSealed, secretAAD(e.StoreID, e.ID))
		if err != nil {
			return nil, err
		}
		out = append(out, string(prev))
	}
	return out, nil
}
