// Package queue wires Asynq: the Redis connection (or the embedded one in
// dev), the queue names, the task types with their payloads, and enqueueing
// that treats "already queued" as done.
package queue

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Redis is the shared go-redis client, and what to stop when done.
type Redis struct {
	Client   redis.UniversalClient
	embedded *miniredis.Miniredis
	stopTime chan struct{}
}

// RedisOptions says which Redis to use. With neither set, an embedded
// in-process Redis is started (dev and tests).
type RedisOptions struct {
	// URL is SOKOHUB_REDIS_URL: redis:// or rediss:// for one server;
	// redis-sentinel:// or rediss-sentinel:// for Sentinel, as
	// redis-sentinel://[user:pass@]sentinel1:26379/0?master_name=mymaster&addr=sentinel2:26379
	// (the user and password are the Sentinels'; the master's go in the
	// password query parameter). With ClusterAddrs it only supplies the
	// credentials, TLS and timeouts.
	URL string
	// ClusterAddrs is SOKOHUB_REDIS_CLUSTER_ADDRS, the seed nodes of a
	// Redis Cluster. Every key SokoHub uses carries a hash tag where a
	// script or transaction touches several keys, as Asynq's do.
	ClusterAddrs []string
}

// Connect dials the Redis o names and checks that it answers.
func Connect(ctx context.Context, o RedisOptions) (*Redis, error) {
	if o.URL == "" && len(o.ClusterAddrs) == 0 {
		mr, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("queue: start embedded redis: %w", err)
		}
		r := &Redis{Client: redis.NewClient(&redis.Options{Addr: mr.Addr()}), embedded: mr, stopTime: make(chan struct{})}
		go r.runClock()
		return r, nil
	}
	c, err := o.client()
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("queue: connect redis: %w", err)
	}
	return &Redis{Client: c}, nil
}

// client builds the go-redis client o describes, without dialling.
func (o RedisOptions) client() (redis.UniversalClient, error) {
	if len(o.ClusterAddrs) > 0 {
		raw, err := o.clusterURL()
		if err != nil {
			return nil, fmt.Errorf("queue: %w", err)
		}
		opt, err := redis.ParseClusterURL(raw)
		if err != nil {
			return nil, fmt.Errorf("queue: SOKOHUB_REDIS_CLUSTER_ADDRS: %w", redactURL(err))
		}
		return redis.NewClusterClient(opt), nil
	}
	if rest, ok := cutScheme(o.URL, "-sentinel"); ok {
		opt, err := redis.ParseFailoverURL(rest)
		if err != nil {
			return nil, fmt.Errorf("queue: SOKOHUB_REDIS_URL: %w", redactURL(err))
		}
		if opt.MasterName == "" {
			return nil, fmt.Errorf("queue: SOKOHUB_REDIS_URL: a redis-sentinel URL needs ?master_name=")
		}
		return redis.NewFailoverClient(opt), nil
	}
	opt, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("queue: SOKOHUB_REDIS_URL: %w", redactURL(err))
	}
	return redis.NewClient(opt), nil
}

// clusterURL is a go-redis cluster URL: the first address as host, the
// others as addr parameters, and URL's scheme, credentials and options.
func (o RedisOptions) clusterURL() (string, error) {
	u := &url.URL{Scheme: "redis"}
	if o.URL != "" {
		var err error
		if u, err = url.Parse(o.URL); err != nil {
			return "", errors.New("SOKOHUB_REDIS_URL: invalid URL")
		}
	}
	u.Host, u.Path = strings.TrimSpace(o.ClusterAddrs[0]), "" // a cluster has database 0 only
	q := u.Query()
	for _, a := range o.ClusterAddrs[1:] {
		q.Add("addr", strings.TrimSpace(a))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// cutScheme turns redis<suffix>:// and rediss<suffix>:// into redis:// and
// rediss://.
func cutScheme(url, suffix string) (string, bool) {
	for _, s := range []string{"redis", "rediss"} {
		if rest, ok := strings.CutPrefix(url, s+suffix+"://"); ok {
			return s + "://" + rest, true
		}
	}
	return url, false
}

// redactURL keeps go-redis's own parse errors, which never quote the
// password, but not a *url.Error, whose text holds the whole URL.
func redactURL(err error) error {
	if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
		return errors.New("invalid URL")
	}
	return err
}

// Embedded returns the in-process Redis, or nil when connected to a real one.
func (r *Redis) Embedded() *miniredis.Miniredis { return r.embedded }

// Close closes the client and stops the embedded server.
func (r *Redis) Close() error {
	err := r.Client.Close()
	if r.embedded != nil {
		close(r.stopTime)
		r.embedded.Close()
	}
	return err
}

// runClock moves the embedded Redis's clock with the wall clock: miniredis
// expires keys only when told time passed, and without this a login
// lockout, a rate-limit window or an Asynq lease would never end in dev.
func (r *Redis) runClock() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-r.stopTime:
			return
		case <-t.C:
			r.embedded.FastForward(time.Second)
		}
	}
}
