package loadtest

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/mpesa/simulator"
	"github.com/sokohub/sokohub/internal/webhooks"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/stores"
)

// productsPerStore and productPrice shape each seeded store's catalogue:
// a few products, so customers of one store do not all update one row,
// with stock no run can exhaust.
const (
	productsPerStore = 5
	productPrice     = 10000 // KES 100
	productStock     = 1_000_000_000
	seedChunk        = 500
)

// shop is a seeded store and what its customers and webhook receiver need.
type shop struct {
	ID, Slug   string
	Products   []string
	EndpointID string
	Secret     string
}

// seeder creates stores in bulk, straight in the database: rows built in
// Go and inserted many at a time; credentials and endpoint secrets are
// sealed through the same Vault and Endpoints the API uses, so the stack
// can open them.
type seeder struct {
	t       *target
	ownerID string
	hooks   *receiver
	n       int
}

// ownerRow is the one merchant who owns every seeded store; "!" is no
// password hash, so nobody can log in as them.
type ownerRow struct {
	bun.BaseModel `bun:"table:users"`

	ID, Email, Name, PasswordHash string
	CreatedAt                     time.Time
}

func newSeeder(ctx context.Context, t *target, hooks *receiver) (*seeder, error) {
	s := &seeder{t: t, hooks: hooks, ownerID: db.NewID("usr")}
	_, err := t.DB.NewInsert().Model(&ownerRow{ID: s.ownerID, Email: s.ownerID + "@load.sokohub.test", Name: "Load Merchant",
		PasswordHash: "!", CreatedAt: db.Now()}).Exec(ctx)
	return s, err
}

// seed creates n stores whose endpoints subscribe to events, prefix naming
// their slugs.
func (s *seeder) seed(ctx context.Context, n int, prefix string, events []string) ([]*shop, error) {
	out := make([]*shop, 0, n)
	for start := 0; start < n; start += seedChunk {
		batch, err := s.chunk(ctx, min(seedChunk, n-start), prefix, events)
		if err != nil {
			return nil, err
		}
		out = append(out, batch...)
	}
	return out, nil
}

func (s *seeder) chunk(ctx context.Context, n int, prefix string, events []string) ([]*shop, error) {
	now := db.Now()
	sts := make([]stores.Store, n)
	prods := make([]catalog.Product, 0, n*productsPerStore)
	shops := make([]*shop, n)
	for i := range sts {
		s.n++
		slug := prefix + "-" + strconv.Itoa(s.n)
		sts[i] = stores.Store{ID: db.NewID("sto"), Slug: slug, Name: "Load shop " + strconv.Itoa(s.n), OwnerID: s.ownerID,
			Status: stores.StatusActive, Currency: "KES", PendingTTLSeconds: int64(stores.DefaultPendingTTL.Seconds()),
			CreatedAt: now, NotifyPaidEmail: true}
		shops[i] = &shop{ID: sts[i].ID, Slug: slug}
		for p := range productsPerStore {
			prods = append(prods, catalog.Product{ID: db.NewID("prd"), StoreID: sts[i].ID, Name: "Item " + strconv.Itoa(p+1),
				Price: productPrice, Currency: "KES", Stock: productStock, Active: true, CreatedAt: now, UpdatedAt: now})
			shops[i].Products = append(shops[i].Products, prods[len(prods)-1].ID)
		}
	}
	vault := stores.NewVault(s.t.Keys)
	eps := webhooks.NewEndpoints(s.t.Keys, false)
	err := db.RunInTx(ctx, s.t.DB, func(ctx context.Context, tx bun.IDB) error {
		if _, err := tx.NewInsert().Model(&sts).Exec(ctx); err != nil {
			return fmt.Errorf("stores: %w", err)
		}
		if _, err := tx.NewInsert().Model(&prods).Exec(ctx); err != nil {
			return fmt.Errorf("products: %w", err)
		}
		for _, sh := range shops {
			if _, err := vault.Save(ctx, tx, sh.ID, mpesa.Credentials{Environment: "sandbox", Type: "paybill",
				Shortcode: simulator.DefaultPaybill, Passkey: simulator.SandboxPasskey,
				ConsumerKey: simulator.DefaultConsumerKey, ConsumerSecret: simulator.DefaultConsumerSecret}); err != nil {
				return fmt.Errorf("credentials: %w", err)
			}
			ep, secret, err := eps.Create(ctx, tx, sh.ID, s.hooks.url(sh.Slug), events)
			if err != nil {
				return fmt.Errorf("endpoint: %w", err)
			}
			sh.EndpointID, sh.Secret = ep.ID, secret
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loadtest: seed: %w", err)
	}
	for _, sh := range shops {
		s.hooks.register(sh)
	}
	return shops, nil
}
