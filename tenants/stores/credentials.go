package stores

import (
	"context"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/mpesa"
	"github.com/sokohub/sokohub/internal/secrets"
)

// credentialRow is the stored form: secrets sealed (envelope encryption,
// bound to the store and field), plus the last four characters a merchant
// may see again.
type credentialRow struct {
	bun.BaseModel `bun:"table:mpesa_credentials"`

	StoreID           string `bun:",pk"`
	Environment       string
	Type              string
	Shortcode         string
	TillNumber        string
	PasskeySealed     string
	ConsumerKeySealed string
	SecretSealed      string
	PasskeyLast4      string
	ConsumerKeyLast4  string
	SecretLast4       string
	UpdatedAt         time.Time
}

// MaskedCredentials is what the API shows: never a secret in clear.
type MaskedCredentials struct {
	Environment    string    `json:"environment"`
	Type           string    `json:"type"`
	Shortcode      string    `json:"shortcode"`
	TillNumber     string    `json:"till_number,omitempty"`
	Passkey        string    `json:"passkey"`
	ConsumerKey    string    `json:"consumer_key"`
	ConsumerSecret string    `json:"consumer_secret"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Vault seals and opens stores' M-Pesa credentials.
type Vault struct{ keys *secrets.Keyring }

// NewVault returns a Vault sealing under keys.
func NewVault(keys *secrets.Keyring) *Vault { return &Vault{keys: keys} }

func aad(storeID, field string) []byte { return []byte("store:" + storeID + ":mpesa:" + field) }

// Save validates c and stores it for storeID, replacing what was there.
func (v *Vault) Save(ctx context.Context, idb bun.IDB, storeID string, c mpesa.Credentials) (*MaskedCredentials, error) {
	if err := c.Validate(); err != nil {
		return nil, input.Invalid("credentials", err.Error())
	}
	row := &credentialRow{StoreID: storeID, Environment: c.Environment, Type: c.Type, Shortcode: c.Shortcode,
		TillNumber: c.TillNumber, PasskeyLast4: last4(c.Passkey), ConsumerKeyLast4: last4(c.ConsumerKey),
		SecretLast4: last4(c.ConsumerSecret), UpdatedAt: db.Now()}
	var err error
	for _, f := range []struct {
		dst        *string
		name, text string
	}{{&row.PasskeySealed, "passkey", c.Passkey}, {&row.ConsumerKeySealed, "consumer_key", c.ConsumerKey}, {&row.SecretSealed, "consumer_secret", c.ConsumerSecret}} {
		if *f.dst, err = v.keys.Seal([]byte(f.text), aad(storeID, f.name)); err != nil {
			return nil, err
		}
	}
	_, err = idb.NewInsert().Model(row).On("CONFLICT (store_id) DO UPDATE").
		Set("environment = EXCLUDED.environment, type = EXCLUDED.type, shortcode = EXCLUDED.shortcode").
		Set("till_number = EXCLUDED.till_number, passkey_sealed = EXCLUDED.passkey_sealed").
		Set("consumer_key_sealed = EXCLUDED.consumer_key_sealed, secret_sealed = EXCLUDED.secret_sealed").
		Set("passkey_last4 = EXCLUDED.passkey_last4, consumer_key_last4 = EXCLUDED.consumer_key_last4").
		Set("secret_last4 = EXCLUDED.secret_last4, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return nil, err
	}
	return row.masked(), nil
}

// Masked returns storeID's credentials as the merchant may see them.
func (v *Vault) Masked(ctx context.Context, idb bun.IDB, storeID string) (*MaskedCredentials, error) {
	row, err := load(ctx, idb, storeID)
	if err != nil {
		return nil, err
	}
	return row.masked(), nil
}

// Credentials opens storeID's credentials for a Daraja call.
func (v *Vault) Credentials(ctx context.Context, idb bun.IDB, storeID string) (mpesa.Credentials, error) {
	row, err := load(ctx, idb, storeID)
	if err != nil {
		return mpesa.Credentials{}, err
	}
	c := mpesa.Credentials{Environment: row.Environment, Type: row.Type, Shortcode: row.Shortcode, TillNumber: row.TillNumber}
	for _, f := range []struct {
		dst          *string
		name, sealed string
	}{{&c.Passkey, "passkey", row.PasskeySealed}, {&c.ConsumerKey, "consumer_key", row.ConsumerKeySealed}, {&c.ConsumerSecret, "consumer_secret", row.SecretSealed}} {
		plain, err := v.keys.Open(f.sealed, aad(storeID, f.name))
		if err != nil {
			return mpesa.Credentials{}, err
		}
		*f.dst = string(plain)
	}
	return c, nil
}

// HasCredentials tells whether storeID can take M-Pesa payments.
func HasCredentials(ctx context.Context, idb bun.IDB, storeID string) (bool, error) {
	return idb.NewSelect().Model((*credentialRow)(nil)).Where("store_id = ?", storeID).Exists(ctx)
}

func load(ctx context.Context, idb bun.IDB, storeID string) (*credentialRow, error) {
	row := new(credentialRow)
	err := idb.NewSelect().Model(row).Where("store_id = ?", storeID).Scan(ctx)
	return row, db.NotFound(err)
}

func (r *credentialRow) masked() *MaskedCredentials {
	return &MaskedCredentials{Environment: r.Environment, Type: r.Type, Shortcode: r.Shortcode, TillNumber: r.TillNumber,
		Passkey: "••••" + r.PasskeyLast4, ConsumerKey: "••••" + r.ConsumerKeyLast4,
		ConsumerSecret: "••••" + r.SecretLast4, UpdatedAt: r.UpdatedAt}
}

// last4 keeps the tail a merchant recognises; short values keep nothing.
func last4(s string) string {
	if len(s) <= 8 {
		return ""
	}
	return s[len(s)-4:]
}
