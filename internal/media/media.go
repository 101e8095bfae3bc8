// Package media keeps merchants' uploaded images (product photos, logos)
// behind a small interface with two implementations, chosen in wiring by
// SOKOHUB_MEDIA_STORE: Disk under the data dir (one machine, or a shared
// volume) and S3, an S3-compatible bucket (several gateways).
// Names are content-addressed, so a stored file never changes and can be
// cached for ever.
package media

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
)

// ErrNotFound is returned for a key that holds nothing.
var ErrNotFound = errors.New("media: not found")

// Store holds immutable blobs by key ("<store id>/<name>.jpg").
type Store interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
}

// keyRe keeps keys to one store directory and one plain file name, so no
// key can climb out of the root.
var keyRe = regexp.MustCompile(`^[a-z0-9_]{1,64}/[a-z0-9_-]{1,80}\.jpg$`)

// ValidKey reports whether key is one this package would have made.
func ValidKey(key string) bool { return keyRe.MatchString(key) }

// Disk is a Store in a directory (SOKOHUB_DATA_DIR/uploads).
type Disk struct{ root string }

// NewDisk returns a Disk rooted at dir, created on first Put.
func NewDisk(dir string) *Disk { return &Disk{root: dir} }

// Put writes data under key atomically (temp file, then rename), so a
// reader never sees half an image.
func (d *Disk) Put(_ context.Context, key string, data []byte) error {
	if !ValidKey(key) {
		return errors.New("media: invalid key")
	}
	path := filepath.Join(d.root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Get reads key.
func (d *Disk) Get(_ context.Context, key string) ([]byte, error) {
	if !ValidKey(key) {
		return nil, ErrNotFound
	}
	b, err := os.ReadFile(filepath.Join(d.root, filepath.FromSlash(key)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotFound
	}
	return b, err
}
