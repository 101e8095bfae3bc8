package mpesa

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// unlockTimeout bounds the lock release, which runs on a fresh context so
// that a cancelled request still frees the lock for other replicas.
const unlockTimeout = 2 * time.Second

// compareAndDelete releases a lock only if it still holds our value, so a
// holder whose lock expired cannot free the next holder's lock.
const compareAndDelete = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`

// redisTokenCache shares tokens and the mint lock between replicas.
type redisTokenCache struct {
	rdb    redis.UniversalClient
	prefix string
	unlock *redis.Script
}

// NewRedisTokenCache returns a TokenCache in Redis (go-redis v9, single
// node, Sentinel or Cluster). Tokens live under prefix+"mpesa:token:"+key
// with Redis expiry; the mint lock is prefix+"mpesa:token-lock:"+key, taken
// with SET NX PX and a random value and released by compare-and-delete.
func NewRedisTokenCache(rdb redis.UniversalClient, prefix string) TokenCache {
	return &redisTokenCache{rdb: rdb, prefix: prefix, unlock: redis.NewScript(compareAndDelete)}
}

func (r *redisTokenCache) tokenKey(key string) string { return r.prefix + "mpesa:token:" + key }
func (r *redisTokenCache) lockKey(key string) string  { return r.prefix + "mpesa:token-lock:" + key }

// Get implements TokenCache.
func (r *redisTokenCache) Get(ctx context.Context, key string) (string, bool, error) {
	tok, err := r.rdb.Get(ctx, r.tokenKey(key)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("mpesa: token cache get: %w", err)
	}
	return tok, true, nil
}

// Set implements TokenCache.
func (r *redisTokenCache) Set(ctx context.Context, key, token string, ttl time.Duration) error {
	if err := r.rdb.Set(ctx, r.tokenKey(key), token, ttl).Err(); err != nil {
		return fmt.Errorf("mpesa: token cache set: %w", err)
	}
	return nil
}

// Delete implements TokenCache.
func (r *redisTokenCache) Delete(ctx context.Context, key string) error {
	if err := r.rdb.Del(ctx, r.tokenKey(key)).Err(); err != nil {
		return fmt.Errorf("mpesa: token cache delete: %w", err)
	}
	return nil
}

// Lock implements TokenCache.
func (r *redisTokenCache) Lock(ctx context.Context, key string, ttl time.Duration) (func(), bool, error) {
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, false, fmt.Errorf("mpesa: token lock: %w", err)
	}
	value := hex.EncodeToString(raw[:])
	lk := r.lockKey(key)
	ok, err := r.rdb.SetNX(ctx, lk, value, ttl).Result()
	if err != nil {
		return nil, false, fmt.Errorf("mpesa: token lock: %w", err)
	}
	if !ok {
		return nil, false, nil
	}
	unlock := func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unlockTimeout)
		defer cancel()
		// An error here leaves the lock to expire after ttl: harmless.
		_ = r.unlock.Run(ctx, r.rdb, []string{lk}, value).Err()
	}
	return unlock, true, nil
}
