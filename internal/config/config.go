// Package config reads SokoHub's configuration from the environment and
// validates it once, at start, so a bad value fails loudly before any traffic.
package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/sokohub/sokohub/internal/ratelimit"
	"github.com/sokohub/sokohub/internal/secrets"
)

// Mode says whether the process runs as a local development stack or in
// production. Production refuses loopback webhook targets and plain-HTTP
// callback URLs.
type Mode string

// Modes.
const (
	ModeDev        Mode = "dev"
	ModeProduction Mode = "production"
)

// Config is every setting of the binary. Field comments name the variable
// and the default.
type Config struct {
	Mode Mode
	// HTTPAddr is SOKOHUB_HTTP_ADDR. Defaults to 127.0.0.1:8080.
	HTTPAddr string
	// DatabaseURL is SOKOHUB_DATABASE_URL: postgres://… or sqlite:<path>.
	// Dev defaults to sqlite:<DataDir>/sokohub.db.
	DatabaseURL string
	// RedisURL is SOKOHUB_REDIS_URL: redis://, rediss://, or
	// redis-sentinel://… (queue.RedisOptions). Empty in dev means an
	// embedded Redis.
	RedisURL string
	// RedisNamespace is SOKOHUB_REDIS_NAMESPACE, prefixed to every queue
	// and key, so several deployments (or test runs) can share one Redis.
	// Defaults to "sokohub".
	RedisNamespace string
	// PublicURL is SOKOHUB_PUBLIC_URL, the base of the callback URLs given
	// to Daraja and of links sent to customers.
	PublicURL string
	// DarajaURL is SOKOHUB_DARAJA_URL, the Daraja base URL (the simulator
	// in dev and tests).
	DarajaURL string
	// MasterKey is SOKOHUB_MASTER_KEY (base64 of 32 bytes), the key that
	// wraps stored credentials. Dev generates one into DataDir.
	MasterKey []byte
	// DataDir is SOKOHUB_DATA_DIR. Defaults to ./data. Uploaded images
	// live under its uploads/ directory.
	DataDir string
	// StorefrontDomain is SOKOHUB_STOREFRONT_DOMAIN: when set, a request
	// for host <slug>.<domain> is served store <slug>'s storefront at the
	// root (as well as at /s/<slug> on any host). Empty by default.
	StorefrontDomain string
	// SimDelay is SOKOHUB_SIM_DELAY, how long the simulator's virtual
	// customer takes to answer a prompt. Defaults to 2s.
	SimDelay time.Duration
	// SimLateCallback is SOKOHUB_SIM_LATE_CALLBACK, how late the
	// simulator sends the callback of its late-callback test number
	// (254700000006). Defaults to 90s; must be positive.
	SimLateCallback time.Duration
	// Callbacks is where Daraja callbacks are expected from.
	Callbacks CallbackSources
	// Notify is how SMS and email are sent (SOKOHUB_SMS_*, SOKOHUB_SMTP_*).
	Notify Notify
	// Media is where uploaded images are kept (SOKOHUB_MEDIA_STORE,
	// SOKOHUB_S3_*).
	Media Media
	// AdminEmail and AdminPassword are SOKOHUB_ADMIN_EMAIL and
	// SOKOHUB_ADMIN_PASSWORD: in dev only, a platform admin made at start.
	AdminEmail, AdminPassword string
	// OldMasterKeys is SOKOHUB_OLD_MASTER_KEYS, comma-separated: master
	// keys that still open values sealed before a rotation, until
	// "sokohub secrets rotate-key" has rewrapped them all.
	OldMasterKeys [][]byte
	// QueryDelay is SOKOHUB_QUERY_DELAY, how long after a prompt the first
	// STK Query is sent when no callback has settled the attempt. Defaults
	// to 30s (Daraja answers "being processed" for the first ~20 s).
	QueryDelay time.Duration
	// ClientLimits is SOKOHUB_CLIENT_LIMITS, what one client address may
	// start without an account (orders, signups, stray callbacks); "off"
	// for load tests, which come from one address.
	ClientLimits []ratelimit.Limit
	// PhonePromptLimits is SOKOHUB_PHONE_PROMPT_LIMITS, the STK prompts
	// one phone may receive; empty means unlimited. Defaults to
	// DefaultPhonePromptLimits.
	PhonePromptLimits []ratelimit.Limit
	// StoreDarajaLimits is SOKOHUB_STORE_DARAJA_LIMITS, the Daraja calls
	// one store may make; empty means unlimited. Defaults to
	// DefaultStoreDarajaLimits.
	StoreDarajaLimits []ratelimit.Limit
	// Runtime is the replica's pool, Redis topology, shutdown and probes
	// (runtime.go).
	Runtime
}

// Load builds a Config for mode from getenv (os.Getenv in main, a map in
// tests). In dev mode missing values get local defaults; in production the
// required ones must be set. Errors name the variable at fault.
func Load(mode Mode, getenv func(string) string) (*Config, error) {
	c := &Config{
		Mode:           mode,
		HTTPAddr:       or(getenv("SOKOHUB_HTTP_ADDR"), "127.0.0.1:8080"),
		DatabaseURL:    getenv("SOKOHUB_DATABASE_URL"),
		RedisURL:       getenv("SOKOHUB_REDIS_URL"),
		RedisNamespace: or(getenv("SOKOHUB_REDIS_NAMESPACE"), "sokohub"),
		PublicURL:      strings.TrimRight(getenv("SOKOHUB_PUBLIC_URL"), "/"),
		DarajaURL:      strings.TrimRight(getenv("SOKOHUB_DARAJA_URL"), "/"),
		DataDir:        or(getenv("SOKOHUB_DATA_DIR"), "./data"),
	}
	c.StorefrontDomain = strings.ToLower(strings.Trim(strings.TrimSpace(getenv("SOKOHUB_STOREFRONT_DOMAIN")), "."))
	var err error
	if c.SimDelay, err = duration(getenv, "SOKOHUB_SIM_DELAY", 2*time.Second); err != nil {
		return nil, err
	}
	if c.SimLateCallback, err = duration(getenv, "SOKOHUB_SIM_LATE_CALLBACK", 90*time.Second); err != nil {
		return nil, err
	}
	if c.SimLateCallback == 0 { // the simulator would read zero as its default
		return nil, fmt.Errorf("SOKOHUB_SIM_LATE_CALLBACK must be a positive Go duration such as 90s")
	}
	if c.QueryDelay, err = duration(getenv, "SOKOHUB_QUERY_DELAY", 30*time.Second); err != nil {
		return nil, err
	}
	if c.Callbacks, err = loadCallbackSources(mode, getenv); err != nil {
		return nil, err
	}
	if c.Notify, err = loadNotify(mode, getenv); err != nil {
		return nil, err
	}
	if c.Media, err = loadMedia(getenv); err != nil {
		return nil, err
	}
	if c.PhonePromptLimits, err = limits(getenv, "SOKOHUB_PHONE_PROMPT_LIMITS", DefaultPhonePromptLimits); err != nil {
		return nil, err
	}
	if c.ClientLimits, err = limits(getenv, "SOKOHUB_CLIENT_LIMITS", DefaultClientLimits); err != nil {
		return nil, err
	}
	if c.StoreDarajaLimits, err = limits(getenv, "SOKOHUB_STORE_DARAJA_LIMITS", DefaultStoreDarajaLimits); err != nil {
		return nil, err
	}
	if c.Runtime, err = loadRuntime(getenv); err != nil {
		return nil, err
	}
	if mode == ModeDev {
		c.AdminEmail, c.AdminPassword = getenv("SOKOHUB_ADMIN_EMAIL"), getenv("SOKOHUB_ADMIN_PASSWORD")
		c.devDefaults()
	}
	for _, key := range strings.FieldsFunc(getenv("SOKOHUB_OLD_MASTER_KEYS"), func(r rune) bool { return r == ',' }) {
		k, err := secrets.ParseMasterKey(key)
		if err != nil {
			return nil, fmt.Errorf("SOKOHUB_OLD_MASTER_KEYS: %w", err)
		}
		c.OldMasterKeys = append(c.OldMasterKeys, k)
	}
	if key := getenv("SOKOHUB_MASTER_KEY"); key != "" {
		if c.MasterKey, err = secrets.ParseMasterKey(key); err != nil {
			return nil, fmt.Errorf("SOKOHUB_MASTER_KEY: %w", err)
		}
	}
	return c, c.validate()
}

// devDefaults points everything at the one-process stack: SQLite under the
// data dir, the embedded Redis, and the simulator mounted on our own port.
func (c *Config) devDefaults() {
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite:" + filepath.Join(c.DataDir, "sokohub.db")
	}
	base := "http://" + c.HTTPAddr
	if c.PublicURL == "" {
		c.PublicURL = base
	}
	if c.DarajaURL == "" {
		c.DarajaURL = base + "/daraja"
	}
}

func (c *Config) validate() error {
	if c.DatabaseURL == "" {
		return fmt.Errorf("SOKOHUB_DATABASE_URL is required (postgres://… or sqlite:<path>)")
	}
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") &&
		!strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		return fmt.Errorf("SOKOHUB_DATABASE_URL must start with postgres:// or sqlite:")
	}
	if c.Mode == ModeProduction && c.RedisURL == "" && len(c.RedisClusterAddrs) == 0 {
		return fmt.Errorf("SOKOHUB_REDIS_URL is required (redis://host:6379/0, or redis-sentinel://…, or SOKOHUB_REDIS_CLUSTER_ADDRS)")
	}
	if err := checkURL("SOKOHUB_PUBLIC_URL", c.PublicURL); err != nil {
		return err
	}
	if err := checkURL("SOKOHUB_DARAJA_URL", c.DarajaURL); err != nil {
		return err
	}
	if c.Mode == ModeProduction && !strings.HasPrefix(c.PublicURL, "https://") {
		return fmt.Errorf("SOKOHUB_PUBLIC_URL must be https in production (Daraja refuses plain-HTTP callbacks)")
	}
	if c.Mode == ModeProduction && c.MasterKey == nil {
		return fmt.Errorf("SOKOHUB_MASTER_KEY is required (base64 of 32 random bytes)")
	}
	return nil
}

func checkURL(name, v string) error {
	if v == "" {
		return fmt.Errorf("%s is required", name)
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s must be an absolute http(s) URL", name)
	}
	return nil
}

func duration(getenv func(string) string, name string, def time.Duration) (time.Duration, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s must be a Go duration such as 2s or 500ms", name)
	}
	return d, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
