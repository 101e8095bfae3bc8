package cluster

import (
	"context"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// startRedis runs a redis-server of the cluster's own on a free loopback
// port, keeping nothing on disk, so that restarting it loses every key as
// a Redis without persistence does. It skips the test when redis-server
// is not installed.
func startRedis(t testing.TB) *Proc {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("needs redis-server on PATH, to restart a Redis of the cluster's own")
	}
	addr := FreeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	p := StartProc(t, "redis", bin, addr, nil, "--bind", host, "--port", port, "--save", "", "--appendonly", "no",
		"--dir", t.TempDir())
	waitRedis(t, p)
	return p
}

// RestartRedis kills the cluster's own Redis (SIGKILL: no goodbye to its
// clients), keeps it down for down, and starts it again empty.
func (c *Cluster) RestartRedis(t testing.TB, down time.Duration) {
	t.Helper()
	if c.RedisServer == nil {
		t.Fatal("cluster: RestartRedis needs Options.OwnRedis")
	}
	c.RedisServer.Kill()
	time.Sleep(down)
	c.RedisServer.Start()
	waitRedis(t, c.RedisServer)
}

func waitRedis(t testing.TB, p *Proc) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr})
	defer rdb.Close()
	deadline := time.Now().Add(30 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("cluster: redis-server not answering at %s:\n%s", p.Addr, tail(p.Logs(), 20))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
