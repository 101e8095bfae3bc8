package policy

import "context"

// NewWatcherResyncing is NewWatcher with a resync interval of the test's.
var NewWatcherResyncing = newWatcher

// DeniedFor is how long a refresh that found nothing new stands.
const DeniedFor = deniedFor

// Generation and DecideAgain expose the gate's steps: a refusal's
// generation, and whether the refusal is worth deciding again.
func (enf *Enforcer) Generation() uint64 { return enf.generation() }

func (enf *Enforcer) DecideAgain(ctx context.Context, userID, storeID string, seen uint64) (bool, error) {
	return enf.decideAgain(ctx, userID, storeID, seen)
}
