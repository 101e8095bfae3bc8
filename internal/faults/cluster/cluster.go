package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/internal/queue"
	"github.com/sokohub/sokohub/internal/secrets"
)

// Options shape a cluster.
type Options struct {
	Gateways, Workers int
	// Env overrides or adds variables of the gateways and workers.
	Env map[string]string
	// SimDelay is how long the simulated customer takes to approve.
	SimDelay time.Duration
	// OwnRedis runs a redis-server for the cluster alone (RestartRedis),
	// instead of a namespace of SOKOHUB_REDIS_URL's.
	OwnRedis bool
}

// Cluster is a running deployment.
type Cluster struct {
	t   testing.TB
	Bin string
	// Env is what every gateway and worker runs with.
	Env map[string]string
	// DBURL and DB are the cluster's own database (DB for checks and
	// faults); RedisURL, Redis and Namespace its Redis.
	DBURL     string
	DB        *bun.DB
	RedisURL  string
	Redis     *redis.Client
	Namespace string
	// RedisServer is the cluster's own Redis (Options.OwnRedis), or nil.
	RedisServer *Proc

	Simulator *Proc
	Gateways  []*Proc
	Workers   []*Proc
	Proxy     *Proxy
	Hooks     *Receiver
}

// Start runs a cluster for t; everything stops, and the database and the
// Redis namespace are removed, when the test ends. Without
// SOKOHUB_REDIS_URL the Redis is a miniredis in the test process, which
// the child processes reach over loopback like any Redis.
func Start(t testing.TB, o Options) *Cluster {
	t.Helper()
	c := &Cluster{t: t, Bin: Binary(t), Namespace: "sokohub-faults-" + randomHex()}
	c.DBURL = dbtest.URL(t)
	c.RedisURL = os.Getenv("SOKOHUB_REDIS_URL")
	if o.OwnRedis {
		c.RedisServer = startRedis(t)
		c.RedisURL = "redis://" + c.RedisServer.Addr
	} else if c.RedisURL == "" {
		mr := miniredis.RunT(t)
		c.RedisURL = "redis://" + mr.Addr()
	}
	opt, err := redis.ParseURL(c.RedisURL)
	if err != nil {
		t.Fatalf("cluster: SOKOHUB_REDIS_URL: %v", err)
	}
	c.Redis = redis.NewClient(opt)
	t.Cleanup(func() {
		c.WipeRedis(context.Background())
		_ = c.Redis.Close()
	})
	c.Migrate(t)
	if c.DB, err = db.Open(c.DBURL); err != nil {
		t.Fatalf("cluster: %v", err)
	}
	t.Cleanup(func() { _ = c.DB.Close() })

	c.Hooks = NewReceiver(t)
	c.Proxy = NewProxy(t)
	simAddr := FreeAddr(t)
	c.Simulator = StartProc(t, "simulator", c.Bin, simAddr,
		map[string]string{"SOKOHUB_SIM_DELAY": o.SimDelay.String()}, "simulator", "--addr", simAddr)
	c.Simulator.WaitReady("/simulator/v1/shortcodes", 30*time.Second)

	key, err := secrets.GenerateMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	c.Env = map[string]string{
		// Dev rules: plain-HTTP public URL and a loopback webhook
		// receiver; everything else is as in production.
		"SOKOHUB_MODE":                "dev",
		"SOKOHUB_DATABASE_URL":        c.DBURL,
		"SOKOHUB_REDIS_URL":           c.RedisURL,
		"SOKOHUB_REDIS_NAMESPACE":     c.Namespace,
		"SOKOHUB_PUBLIC_URL":          c.Proxy.URL,
		"SOKOHUB_DARAJA_URL":          "http://" + simAddr,
		"SOKOHUB_MASTER_KEY":          key,
		"SOKOHUB_DATA_DIR":            t.TempDir(),
		"SOKOHUB_QUERY_DELAY":         "2s",
		"SOKOHUB_SWEEP_INTERVAL":      "2s",
		"SOKOHUB_METRICS_REFRESH":     "1s",
		"SOKOHUB_SHUTDOWN_GRACE":      "5s",
		"SOKOHUB_PHONE_PROMPT_LIMITS": "off",
		"SOKOHUB_CLIENT_LIMITS":       "off",
		// Small pools: the PostgreSQL server is shared by every replica
		// (and every test), as in production.
		"SOKOHUB_DB_MAX_CONNS":        "5",
		"SOKOHUB_STORE_DARAJA_LIMITS": "off",
	}
	for k, v := range o.Env {
		c.Env[k] = v
	}
	for i := range o.Gateways {
		c.Gateways = append(c.Gateways, c.StartGateway(i))
	}
	for i := range o.Workers {
		c.Workers = append(c.Workers, c.StartWorker(i))
	}
	return c
}

// Migrate runs "sokohub migrate up" on the cluster's database.
func (c *Cluster) Migrate(t testing.TB) {
	t.Helper()
	p := StartProc(t, "migrate", c.Bin, "", map[string]string{"SOKOHUB_DATABASE_URL": c.DBURL}, "migrate", "up")
	if err := p.Wait(2 * time.Minute); err != nil {
		t.Fatalf("cluster: migrate up: %v\n%s", err, p.Logs())
	}
}

// StartGateway runs gateway number i (sokohub serve) behind the proxy.
func (c *Cluster) StartGateway(i int) *Proc {
	addr := FreeAddr(c.t)
	p := StartProc(c.t, "gateway-"+strconv.Itoa(i), c.Bin, addr, c.with("SOKOHUB_HTTP_ADDR", addr), "serve")
	p.WaitReady("/readyz", 60*time.Second)
	c.Proxy.Add(addr)
	return p
}

// StartWorker runs worker number i (sokohub worker), its probes and
// metrics on a port of its own.
func (c *Cluster) StartWorker(i int) *Proc {
	addr := FreeAddr(c.t)
	p := StartProc(c.t, "worker-"+strconv.Itoa(i), c.Bin, addr, c.with("SOKOHUB_OPS_ADDR", addr), "worker")
	p.WaitReady("/readyz", 60*time.Second)
	return p
}

func (c *Cluster) with(k, v string) map[string]string {
	env := map[string]string{k: v}
	for ek, ev := range c.Env {
		env[ek] = ev
	}
	env[k] = v
	return env
}

// Restart starts a stopped process again on its address.
func (c *Cluster) Restart(p *Proc) {
	c.t.Helper()
	p.Start()
	p.WaitReady("/readyz", 60*time.Second)
}

// SimURL is the simulator's base URL.
func (c *Cluster) SimURL() string { return "http://" + c.Simulator.Addr }

// Names are the cluster's queue names.
func (c *Cluster) Names() queue.Names { return queue.Names{Namespace: c.Namespace} }

// Inspector reads the cluster's queues.
func (c *Cluster) Inspector() *asynq.Inspector { return asynq.NewInspectorFromRedisClient(c.Redis) }

// WipeRedis deletes every key of the cluster's namespace (its queues,
// token cache, rate limits, locks) and nothing else: the Redis may be
// shared, so this never flushes it.
func (c *Cluster) WipeRedis(ctx context.Context) int {
	n := 0
	for _, pattern := range []string{c.Namespace + ":*", "asynq:{" + c.Namespace + ":*"} {
		iter := c.Redis.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			n += int(c.Redis.Del(ctx, iter.Val()).Val())
		}
	}
	for q := range c.Names().Weights() {
		c.Redis.SRem(ctx, "asynq:queues", q)
	}
	return n
}

func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// String names the cluster in messages.
func (c *Cluster) String() string {
	return fmt.Sprintf("cluster(%d gateways, %d workers, namespace %s)", len(c.Gateways), len(c.Workers), c.Namespace)
}
