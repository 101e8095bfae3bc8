package policy

// NewWatcherResyncing is NewWatcher with a resync interval of the test's.
var NewWatcherResyncing = newWatcher

// DeniedFor is how long a refresh that found nothing new stands.
const DeniedFor = deniedFor
