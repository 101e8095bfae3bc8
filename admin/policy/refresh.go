package policy

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/tenants/stores"
)

// A replica learns of a membership another replica changed from the
// watcher's message, a moment later (or, when pub/sub loses the message,
// at the watcher's next resync). Until then a brand-new store's owner
// would be refused there, so a denial in a store first reads that one
// membership row again (refreshMember) and brings the policy in line with
// it. The read is single-flight per user and store, and a read that found
// nothing new is not repeated for a short while (denied), so refused
// requests cannot be turned into a database load. Nothing here ever keeps
// an allow: the policy's own state is all there is, and a refresh is
// discarded when the policy was reloaded or changed while it read.
const (
	// deniedFor is how long a refresh that changed nothing stands.
	deniedFor = 2 * time.Second
	// deniedCap bounds the remembered denials; past it, the oldest half
	// is forgotten.
	deniedCap = 10000
)

// refresher is the Enforcer's state for refreshMember.
type refresher struct {
	// mu orders refreshes with reloads and this replica's own changes;
	// gen counts those (written under mu, read by anyone), so a refresh
	// that read across one is discarded, and a decision taken before one
	// is taken again.
	mu     sync.Mutex
	gen    atomic.Uint64
	flight singleflight.Group

	deniedMu sync.Mutex
	denied   map[string]time.Time // by user and store: when a refresh found nothing new
}

// changing runs f, a reload or a change of the policy, as one step that
// no refresh read before it can be applied after.
func (enf *Enforcer) changing(f func() error) error {
	enf.r.mu.Lock()
	defer enf.r.mu.Unlock()
	defer enf.changed()
	return f()
}

// changed counts a change of the policy (under r.mu): refreshes and
// denials remembered before it no longer stand.
func (enf *Enforcer) changed() {
	enf.forgetDenials() // first: a denial remembered from now on is of the new generation
	enf.r.gen.Add(1)
}

// generation identifies the policy's state; a decision remembers the
// generation it was taken in.
func (enf *Enforcer) generation() uint64 { return enf.r.gen.Load() }

// decideAgain tells whether a refusal of userID in storeID, decided in
// generation seen, is worth deciding again: it first reads the membership
// from the database (refreshMember), and the answer is yes when the policy
// changed since seen, by that read or anything else (the watcher's reload
// may have come between the decision and the read).
func (enf *Enforcer) decideAgain(ctx context.Context, userID, storeID string, seen uint64) (bool, error) {
	if err := enf.refreshMember(ctx, userID, storeID); err != nil {
		return false, err
	}
	return enf.generation() != seen, nil
}

// refreshMember reads userID's membership of storeID from the database and
// makes the policy agree with it.
func (enf *Enforcer) refreshMember(ctx context.Context, userID, storeID string) error {
	key := userID + "\x00" + storeID
	if enf.recentlyDenied(key) {
		return nil
	}
	_, err, _ := enf.r.flight.Do(key, func() (any, error) {
		// One read for every waiter: not cancelled with the first one's
		// request.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		enf.r.mu.Lock()
		gen := enf.generation() // not in the middle of a reload
		enf.r.mu.Unlock()
		role, err := stores.Role(ctx, enf.db, storeID, userID)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			return nil, err
		}
		enf.r.mu.Lock()
		defer enf.r.mu.Unlock()
		if enf.generation() != gen {
			return nil, nil // reloaded or changed meanwhile, from a read as new as this one
		}
		have := enf.StoreRole(userID, storeID)
		if have == role {
			enf.rememberDenial(key)
			return nil, nil
		}
		defer enf.changed()
		return nil, enf.replaceMember(userID, storeID, have, role)
	})
	return err
}

// replaceMember swaps userID's role in storeID (old or new may be "") in
// this replica's policy only: the database already says new, and writing
// it back could revive a membership removed since it was read.
func (enf *Enforcer) replaceMember(userID, storeID, old, role string) error {
	lock := enf.e.GetLock()
	lock.Lock()
	defer lock.Unlock()
	// Under the enforcer's lock nothing else changes the policy, so
	// AutoSave can be off for these two steps alone.
	e := enf.e.Enforcer
	e.EnableAutoSave(false)
	defer e.EnableAutoSave(true)
	if old != "" {
		if _, err := e.SelfRemovePolicy("g", "g", []string{userID, old, storeID}); err != nil {
			return err
		}
	}
	if role != "" {
		if _, err := e.SelfAddPolicy("g", "g", []string{userID, role, storeID}); err != nil {
			return err
		}
	}
	return nil
}

func (enf *Enforcer) recentlyDenied(key string) bool {
	enf.r.deniedMu.Lock()
	defer enf.r.deniedMu.Unlock()
	at, ok := enf.r.denied[key]
	return ok && time.Since(at) < deniedFor
}

func (enf *Enforcer) rememberDenial(key string) {
	enf.r.deniedMu.Lock()
	defer enf.r.deniedMu.Unlock()
	if len(enf.r.denied) >= deniedCap {
		enf.r.dropOldDenials()
	}
	enf.r.denied[key] = time.Now()
}

// dropOldDenials forgets the expired denials and, when a flood of
// distinct refusals left more than half the cap, arbitrary others: the map
// stays bounded, and a forgotten denial costs one more read.
func (r *refresher) dropOldDenials() {
	for k, at := range r.denied {
		if time.Since(at) >= deniedFor {
			delete(r.denied, k)
		}
	}
	for k := range r.denied {
		if len(r.denied) < deniedCap/2 {
			break
		}
		delete(r.denied, k)
	}
}

func (enf *Enforcer) forgetDenials() {
	enf.r.deniedMu.Lock()
	defer enf.r.deniedMu.Unlock()
	clear(enf.r.denied)
}
