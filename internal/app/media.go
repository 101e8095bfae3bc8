package app

import (
	"path/filepath"

	"github.com/sokohub/sokohub/internal/config"
	"github.com/sokohub/sokohub/internal/media"
)

// openMedia picks the image store SOKOHUB_MEDIA_STORE names.
func openMedia(cfg *config.Config) (media.Store, error) {
	if cfg.Media.Store == config.MediaS3 {
		return media.NewS3(cfg.Media.S3)
	}
	return media.NewDisk(filepath.Join(cfg.DataDir, "uploads")), nil
}
