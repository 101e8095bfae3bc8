package simulator

import (
	"cmp"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults used by [New] and by the dev server.
const (
	// DefaultDelay is the approval delay the dev server and the standalone
	// simulator use. It is not applied to a zero Config.Delay: zero means
	// "no delay", which is what tests want.
	DefaultDelay = 2 * time.Second
	// DefaultLateCallback is how long after the outcome the callback of
	// PhoneLateCallback is sent.
	DefaultLateCallback = 90 * time.Second
	// DefaultCallbackTimeout bounds one callback POST of the default client.
	DefaultCallbackTimeout = 10 * time.Second

	// DefaultConsumerKey and DefaultConsumerSecret are the app credentials
	// registered at start.
	DefaultConsumerKey    = "sim-consumer-key"
	DefaultConsumerSecret = "sim-consumer-secret"

	// SandboxPasskey is the public Daraja sandbox passkey, used by the
	// default shortcodes.
	SandboxPasskey = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
	// DefaultPaybill is the sandbox paybill shortcode registered at start.
	DefaultPaybill = "174379"
	// DefaultTillStore is the store (head office) number of the default till
	// setup: the BusinessShortCode of a till push.
	DefaultTillStore = "174380"
	// DefaultTill is the till number of the default till setup: the PartyB
	// of a till push.
	DefaultTill = "174381"
)

// Config configures a [Simulator]. The zero value is usable.
type Config struct {
	// Delay is how long a simulated customer takes to answer a prompt
	// (approve, cancel, wrong PIN) or, for PhoneNoAnswer, how long before the
	// 1037 timeout, unless a Behaviour set for the number has its own.
	// Zero means the outcome and its callback follow the push answer at
	// once; pass DefaultDelay (2s) for a realistic pace.
	Delay time.Duration
	// LateCallback is how long after the outcome the callback of
	// PhoneLateCallback (and of any behaviour with CallbackLate and no
	// LateBy) is sent. Defaults to DefaultLateCallback (90s); the dev stack
	// and `sokohub simulator` read it from SOKOHUB_SIM_LATE_CALLBACK.
	LateCallback time.Duration
	// BasePath prefixes every URL the simulator renders: "" when it runs at
	// the root of its own address, "/daraja" when mounted there with
	// http.StripPrefix. A trailing slash is ignored.
	BasePath string
	// HTTPClient sends callbacks. Defaults to a client with a
	// DefaultCallbackTimeout timeout, no proxy, and a dialer that only
	// connects to loopback addresses unless AllowAnyCallbackHost is set.
	// Whichever client is given, redirects are never followed and a zero
	// Timeout becomes DefaultCallbackTimeout.
	HTTPClient *http.Client
	// AllowAnyCallbackHost lets callbacks go to hosts that are not loopback
	// (127.0.0.0/8, ::1, localhost). Off by default: the refusal is recorded
	// on the transaction instead.
	AllowAnyCallbackHost bool
	// Now returns the current time. Defaults to time.Now.
	Now func() time.Time
	// Logger receives one line per push, outcome and callback. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// Simulator is an in-memory Daraja gateway. Create it with [New], serve
// [Simulator.Handler], and call [Simulator.Close] when done. It is safe for
// concurrent use.
type Simulator struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	mux    *http.ServeMux
	pages  *template.Template

	mu         sync.Mutex
	closed     bool
	apps       map[string]*app      // by consumer key
	tokens     map[string]*app      // by current access token
	shortcodes map[string]Shortcode // by BusinessShortCode
	txs        map[string]*record   // by CheckoutRequestID
	order      []*record            // oldest first
	live       map[string]*record   // pending prompt by phone
	receipts   map[string]struct{}
	seq        uint64
	behaviours map[string]Behaviour // overrides by phone, defaults filled in
	chaos      chaosState

	closing chan struct{}  // closed by Close
	wg      sync.WaitGroup // in-flight callbacks
}

// New returns a Simulator with the default app (DefaultConsumerKey), the
// sandbox paybill DefaultPaybill and the till setup DefaultTillStore /
// DefaultTill registered.
func New(cfg Config) *Simulator {
	cfg.LateCallback = cmp.Or(cfg.LateCallback, DefaultLateCallback)
	cfg.BasePath = strings.TrimRight(cfg.BasePath, "/")
	if cfg.BasePath != "" && !strings.HasPrefix(cfg.BasePath, "/") {
		cfg.BasePath = "/" + cfg.BasePath
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Simulator{
		cfg:        cfg,
		log:        cmp.Or(cfg.Logger, slog.Default()),
		client:     callbackClient(cfg.HTTPClient, cfg.AllowAnyCallbackHost),
		pages:      parsePages(),
		apps:       map[string]*app{},
		tokens:     map[string]*app{},
		shortcodes: map[string]Shortcode{},
		txs:        map[string]*record{},
		live:       map[string]*record{},
		receipts:   map[string]struct{}{},
		behaviours: map[string]Behaviour{},
		chaos:      newChaosState(Chaos{}),
		closing:    make(chan struct{}),
	}
	s.RegisterApp(DefaultConsumerKey, DefaultConsumerSecret)
	for _, sc := range []Shortcode{
		{Code: DefaultPaybill, Passkey: SandboxPasskey, Type: TypePaybill, Name: "SOKOHUB SANDBOX"},
		{Code: DefaultTillStore, Passkey: SandboxPasskey, Type: TypeTill, TillNumber: DefaultTill, Name: "SOKOHUB SANDBOX TILL"},
	} {
		if err := s.RegisterShortcode(sc); err != nil {
			panic("simulator: default shortcode: " + err.Error())
		}
	}
	s.mux = s.routes()
	return s
}

// Handler returns the simulator's routes, relative to its root.
func (s *Simulator) Handler() http.Handler { return s.mux }

// Close stops every pending timer (no further outcome or callback happens)
// and waits for callbacks already being sent. It is safe to call twice.
func (s *Simulator) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.closing)
		for _, r := range s.order {
			r.stopTimers()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Simulator) routes() *http.ServeMux {
	mux := http.NewServeMux()
	// Daraja. Methods are checked in the handlers, to answer 405.001 as
	// Daraja does rather than the ServeMux's plain-text 405.
	mux.HandleFunc("/oauth/v1/generate", s.withLatency(s.handleOAuth))
	mux.HandleFunc("/mpesa/stkpush/v1/processrequest", s.withLatency(s.handlePush))
	mux.HandleFunc("/mpesa/stkpushquery/v1/query", s.withLatency(s.handleQuery))
	mux.HandleFunc("/", s.handleNotFound)

	// Control API.
	mux.HandleFunc("POST /simulator/v1/apps", s.handleCreateApp)
	mux.HandleFunc("GET /simulator/v1/apps/{key}/mints", s.handleMints)
	mux.HandleFunc("GET /simulator/v1/shortcodes", s.handleShortcodes)
	mux.HandleFunc("POST /simulator/v1/shortcodes", s.handleCreateShortcode)
	mux.HandleFunc("GET /simulator/v1/transactions", s.handleTransactions)
	mux.HandleFunc("GET /simulator/v1/transactions/{id}", s.handleTransaction)
	mux.HandleFunc("POST /simulator/v1/transactions/{id}/answer", s.handleAnswer)
	mux.HandleFunc("GET /simulator/v1/behaviours", s.handleBehaviours)
	mux.HandleFunc("GET /simulator/v1/behaviours/{msisdn}", s.handleBehaviour)
	mux.HandleFunc("PUT /simulator/v1/behaviours/{msisdn}", s.handleSetBehaviour)
	mux.HandleFunc("DELETE /simulator/v1/behaviours/{msisdn}", s.handleClearBehaviour)
	mux.HandleFunc("GET /simulator/v1/chaos", s.handleChaos)
	mux.HandleFunc("PUT /simulator/v1/chaos", s.handleSetChaos)

	// Pages.
	mux.HandleFunc("GET /{$}", s.handleRoot)
	mux.HandleFunc("GET /simulator", s.handleIndexPage)
	mux.HandleFunc("GET /simulator/{$}", s.handleIndexPage)
	mux.HandleFunc("GET /simulator/phone/{msisdn}", s.handlePhonePage)
	return mux
}

// url returns path (which starts with "/") under the configured BasePath.
func (s *Simulator) url(path string) string { return s.cfg.BasePath + path }

func (s *Simulator) now() time.Time { return s.cfg.Now() }

// after runs fn with s.mu held once d has passed, unless the simulator has
// closed by then. The caller holds s.mu.
func (s *Simulator) after(d time.Duration, fn func()) *time.Timer {
	return time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed {
			fn()
		}
	})
}
