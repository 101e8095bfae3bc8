package queue

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestRedisURLErrorsNeverShowThePassword(t *testing.T) {
	t.Parallel()
	for _, url := range []string{"redis://:s3cret@host:6379/x", "redis-sentinel://:s3cret@host:26379/0", "redis://:s3cret@ho st:1/0",
		"mysql://:s3cret@host/0"} {
		_, err := RedisOptions{URL: url}.client()
		require.Error(t, err, url)
		require.NotContains(t, err.Error(), "s3cret")
		require.Contains(t, err.Error(), "SOKOHUB_REDIS_URL")
	}
}

func TestClusterURLTakesTheNodesAndTheURLsCredentials(t *testing.T) {
	t.Parallel()
	u, err := RedisOptions{URL: "rediss://user:pw@ignored:6380/3?dial_timeout=2s", ClusterAddrs: []string{"r1:6379", " r2:6379"}}.clusterURL()
	require.NoError(t, err)
	opt, err := redis.ParseClusterURL(u)
	require.NoError(t, err)
	require.Equal(t, []string{"r1:6379", "r2:6379"}, opt.Addrs)
	require.Equal(t, "user", opt.Username)
	require.Equal(t, "pw", opt.Password)
	require.NotNil(t, opt.TLSConfig)
	require.Equal(t, 2*time.Second, opt.DialTimeout)
}

// redisServer runs a private redis-server (never the shared one) with
// config file conf (when not "") and args, for the Sentinel and Cluster
// tests; they skip where Redis is not installed.
func redisServer(t *testing.T, conf string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	argv := []string{"--port", port, "--bind", "127.0.0.1", "--dir", dir}
	if conf != "" {
		argv = append([]string{conf}, argv...)
	} else {
		argv = append(argv, "--save", "", "--appendonly", "no")
	}
	cmd := exec.Command(bin, append(argv, args...)...)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	require.Eventually(t, func() bool { return rdb.Ping(context.Background()).Err() == nil }, 10*time.Second, 20*time.Millisecond)
	return addr
}

// runsTasks enqueues a task through r and processes it with an Asynq
// server on r: the queue works on this topology.
func runsTasks(t *testing.T, r *Redis) {
	t.Helper()
	names := Names{Namespace: "topology"}
	done := make(chan string, 1)
	srv := asynq.NewServerFromRedisClient(r.Client, asynq.Config{Queues: names.Weights(), LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeNotify, func(_ context.Context, task *asynq.Task) error {
		p, err := Decode(task)
		done <- p.ID
		return err
	})
	require.NoError(t, srv.Start(mux))
	defer srv.Shutdown()
	require.NoError(t, NewClient(r.Client, names).Enqueue(context.Background(), Job{Type: TypeNotify, ID: "ntf_1"}))
	select {
	case id := <-done:
		require.Equal(t, "ntf_1", id)
	case <-time.After(20 * time.Second):
		t.Fatal("the task never ran")
	}
}

func TestRedisSentinel(t *testing.T) {
	t.Parallel()
	master := redisServer(t, "")
	host, port, _ := net.SplitHostPort(master)
	conf := filepath.Join(t.TempDir(), "sentinel.conf") // Sentinel rewrites its config: a file of its own
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf("sentinel monitor sokohub %s %s 1\n", host, port)), 0o600))
	sentinel := redisServer(t, conf, "--sentinel")
	r, err := Connect(context.Background(), RedisOptions{URL: "redis-sentinel://" + sentinel + "/0?master_name=sokohub"})
	require.NoError(t, err)
	defer r.Close()
	runsTasks(t, r)
	// It really went through the Sentinel to the master.
	direct := redis.NewClient(&redis.Options{Addr: master})
	defer direct.Close()
	keys, err := direct.Keys(context.Background(), "asynq:{topology:*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)

	_, err = Connect(context.Background(), RedisOptions{URL: "redis-sentinel://" + sentinel + "/0"})
	require.ErrorContains(t, err, "master_name")
}

func TestRedisCluster(t *testing.T) {
	t.Parallel()
	var nodes []string
	for range 3 {
		nodes = append(nodes, redisServer(t, "", "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"))
	}
	out, err := exec.Command("redis-cli", append([]string{"--cluster", "create"}, append(nodes, "--cluster-yes")...)...).CombinedOutput()
	require.NoError(t, err, "%s", out)
	// Every node must see the cluster up: one that has not yet answers
	// CLUSTERDOWN for the slots it owns.
	for _, node := range nodes {
		probe := redis.NewClient(&redis.Options{Addr: node})
		require.Eventually(t, func() bool {
			info, err := probe.ClusterInfo(context.Background()).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok")
		}, 30*time.Second, 100*time.Millisecond, "node %s", node)
		probe.Close()
	}

	r, err := Connect(context.Background(), RedisOptions{ClusterAddrs: nodes[:1]})
	require.NoError(t, err)
	defer r.Close()
	_, isCluster := r.Client.(*redis.ClusterClient)
	require.True(t, isCluster)
	runsTasks(t, r)
}
