// Package devstack runs the one-process development stack: the gateway, the
// worker, the Daraja simulator, SQLite and an embedded Redis, with a demo
// store seeded so a newcomer can buy something within a minute.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sokohub/sokohub/internal/app"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/secrets"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/stores"
)

// Demo store facts printed at start and used in the README.
const (
	DemoSlug     = "demo"
	DemoEmail    = "demo@sokohub.test"
	DemoPassword = "demo-password"
	// SandboxPasskey is Safaricom's published sandbox passkey for 174379,
	// which the simulator also accepts.
	SandboxPasskey = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
)

// MasterKey reads the dev master key from dir, generating it on first use.
// Production never does this: it requires SOKOHUB_MASTER_KEY.
func MasterKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, "master.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, err
		}
		key, err := secrets.GenerateMasterKey()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
			return nil, err
		}
		b = []byte(key)
	} else if err != nil {
		return nil, err
	}
	return secrets.ParseMasterKey(strings.TrimSpace(string(b)))
}

// Seed creates the demo merchant, store, products (with photos) and
// sandbox credentials once; later starts find them and change nothing.
func Seed(ctx context.Context, a *app.App) error {
	if _, err := stores.BySlug(ctx, a.DB, DemoSlug); err == nil {
		return nil
	} else if !errors.Is(err, db.ErrNotFound) {
		return err
	}
	u, _, err := a.Auth.Signup(ctx, DemoEmail, DemoPassword, "Demo Merchant")
	if errors.Is(err, auth.ErrEmailTaken) {
		return errors.New("devstack: demo user exists without its store; remove the data dir to reseed")
	}
	if err != nil {
		return err
	}
	s, err := stores.Create(ctx, a.DB, u.ID, DemoSlug, "Mama Mboga Demo Shop")
	if err != nil {
		return err
	}
	if _, err := a.Vault.Save(ctx, a.DB, s.ID, mpesa.Credentials{Environment: "sandbox", Type: "paybill", Shortcode: "174379",
		Passkey: SandboxPasskey, ConsumerKey: "sim-consumer-key", ConsumerSecret: "sim-consumer-secret"}); err != nil {
		return err
	}
	for _, d := range demoProducts {
		d.Currency = "KES"
		if err := seedProduct(ctx, a, s.ID, d.NewProduct, d.photo()); err != nil {
			return err
		}
	}
	return nil
}

// demoProducts are the demo shop's goods, each with the picture drawn for
// its photo (art.go).
var demoProducts = []struct {
	catalog.NewProduct
	photo func() picture
}{
	{catalog.NewProduct{Name: "Sukuma wiki (bunch)", Price: 3000, Stock: 200}, sukuma},
	{catalog.NewProduct{Name: "Tomatoes (1 kg)", Price: 12000, Stock: 100}, tomatoes},
	{catalog.NewProduct{Name: "Unga wa ugali (2 kg)", Price: 21000, Stock: 80}, unga},
	{catalog.NewProduct{Name: "Maziwa Mala (500 ml)", Price: 7500, Stock: 50}, maziwa},
}

// seedProduct adds p with photo, drawn at the largest stored width and
// saved through the media store exactly as a dashboard upload is.
func seedProduct(ctx context.Context, a *app.App, storeID string, p catalog.NewProduct, photo picture) error {
	raw, err := photo.png(media.Sizes["lg"])
	if err != nil {
		return err
	}
	name, err := media.SaveImage(ctx, a.Media, storeID, raw)
	if err != nil {
		return fmt.Errorf("photo of %s: %w", p.Name, err)
	}
	created, err := catalog.Create(ctx, a.DB, storeID, p)
	if err != nil {
		return err
	}
	_, err = catalog.Update(ctx, a.DB, storeID, created.ID, catalog.Changes{NewProduct: p, Active: true, Image: name})
	return err
}
