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
type Watcher struct {
	rdb     redis.UniversalClient
	channel string
	// id marks this process's own messages, which it skips.
	id  string
	sub *redis.PubSub

	mu       sync.Mutex
	callback func(string)
	done     chan struct{}
}

// NewWatcher subscribes to namespace's policy channel.
func NewWatcher(ctx context.Context, rdb redis.UniversalClient, namespace string) (*Watcher, error) {
	w := &Watcher{rdb: rdb, channel: namespace + ":policy", id: db.NewID("rep"), done: make(chan struct{})}
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
	for msg := range w.sub.Channel() {
		if msg.Payload == w.id {
			continue
		}
		w.mu.Lock()
		cb := w.callback
		w.mu.Unlock()
		if cb != nil {
			cb(msg.Payload)
		}
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
