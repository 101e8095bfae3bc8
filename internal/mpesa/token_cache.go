package mpesa

import (
	"context"
	"sync"
	"time"
)

// TokenCache stores OAuth tokens by [Credentials.CacheKey] and provides
// the mint lock. Daraja invalidates an app's previous token whenever a new
// one is minted, so every replica must share one token per app and only
// one of them may mint at a time: back this with Redis in production
// ([NewRedisTokenCache]); [NewMemoryTokenCache] serves a single process.
type TokenCache interface {
	// Get returns the cached token; ok is false when there is none.
	Get(ctx context.Context, key string) (token string, ok bool, err error)
	// Set stores token for ttl.
	Set(ctx context.Context, key, token string, ttl time.Duration) error
	// Delete forgets the token (Daraja said it is invalid).
	Delete(ctx context.Context, key string) error
	// Lock takes the mint lock for key for at most ttl. ok is false when
	// another holder has it. unlock releases only this holder's lock and is
	// safe to call after the ttl ran out.
	Lock(ctx context.Context, key string, ttl time.Duration) (unlock func(), ok bool, err error)
}

// memoryTokenCache is a process-local TokenCache.
type memoryTokenCache struct {
	mu     sync.Mutex
	now    func() time.Time
	tokens map[string]memoryEntry
	locks  map[string]memoryEntry
	nextID uint64
}

// memoryEntry is a value with its expiry; for locks the value is the
// holder's id, so a late unlock cannot release someone else's lock.
type memoryEntry struct {
	value   string
	id      uint64
	expires time.Time
}

// NewMemoryTokenCache returns a TokenCache held in this process. It is the
// default of [Options.Tokens]; it cannot coordinate replicas.
func NewMemoryTokenCache() TokenCache {
	return &memoryTokenCache{
		now:    time.Now,
		tokens: map[string]memoryEntry{},
		locks:  map[string]memoryEntry{},
	}
}

// Get implements TokenCache.
func (m *memoryTokenCache) Get(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.tokens[key]
	if !ok || !m.now().Before(e.expires) {
		delete(m.tokens, key)
		return "", false, nil
	}
	return e.value, true, nil
}

// Set implements TokenCache.
func (m *memoryTokenCache) Set(_ context.Context, key, token string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[key] = memoryEntry{value: token, expires: m.now().Add(ttl)}
	return nil
}

// Delete implements TokenCache.
func (m *memoryTokenCache) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tokens, key)
	return nil
}

// Lock implements TokenCache.
func (m *memoryTokenCache) Lock(_ context.Context, key string, ttl time.Duration) (func(), bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if e, held := m.locks[key]; held && now.Before(e.expires) {
		return nil, false, nil
	}
	m.nextID++
	id := m.nextID
	m.locks[key] = memoryEntry{id: id, expires: now.Add(ttl)}
	unlock := func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		if e, held := m.locks[key]; held && e.id == id {
			delete(m.locks, key)
		}
	}
	return unlock, true, nil
}
