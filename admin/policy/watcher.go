package policy

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sokohub/sokohub/internal/db"
)

// Watcher tells the other replicas (and the admin CLI's changes tell the
// running gateways) that the policy changed, over Redis pub/sub; each
// receiver reloads its whole policy. It implements persist.Watcher.
//
// Pub/sub delivers at most once: a message published while a subscriber
// reconnects (Redis restarted, a network blip) is lost, and with it a
// revocation. So the callback also runs every resync interval, which
// bounds how long a replica can miss a change.
type Watcher struct {
	rdb     redis.UniversalClient
	channel string
	// id marks this process's own messages, which it skips.
	id     string
	sub    *redis.PubSub
	resync time.Duration

	mu       sync.Mutex
	callback func(string)
	done     chan struct{}
}

// ResyncEvery is how often a Watcher reloads without a message: the
// longest a replica keeps a policy change (a removed member) it missed.
const ResyncEvery = time.Minute

// NewWatcher subscribes to namespace's policy channel.
func NewWatcher(ctx context.Context, rdb redis.UniversalClient, namespace string) (*Watcher, error) {
	return newWatcher(ctx, rdb, namespace, ResyncEvery)
}

func newWatcher(ctx context.Context, rdb redis.UniversalClient, namespace string, resync time.Duration) (*Watcher, error) {
	w := &Watcher{rdb: rdb, channel: namespace + ":policy", id: db.NewID("rep"), resync: resync, done: make(chan struct{})}
	w.sub = rdb.Subscribe(ctx, w.channel)
	if _, err := w.sub.Receive(ctx); err != nil { // the subscription confirmation
		_ = w.sub.Close()
		return nil, err
	}
	go w.listen()
	return w, nil
}

func (w *Watcher) listen() {
	defer close(w.done)
	tick := time.NewTicker(w.resync)
	defer tick.Stop()
	msgs := w.sub.Channel()
	for {
		select {
		case msg, ok := <-msgs:
			if !ok {
				return
			}
			if msg.Payload != w.id {
				w.call(msg.Payload)
				tick.Reset(w.resync) // just reloaded
			}
		case <-tick.C:
			w.call("resync")
		}
	}
}

func (w *Watcher) call(payload string) {
	w.mu.Lock()
	cb := w.callback
	w.mu.Unlock()
	if cb != nil {
		cb(payload)
	}
}

// SetUpdateCallback sets what runs when another process changed the policy.
func (w *Watcher) SetUpdateCallback(cb func(string)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.callback = cb
	return nil
}

// Update tells the other processes that this one changed the policy.
func (w *Watcher) Update() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return w.rdb.Publish(ctx, w.channel, w.id).Err()
}

// Close unsubscribes and waits for the listener to stop.
func (w *Watcher) Close() {
	_ = w.sub.Close()
	<-w.done
}
