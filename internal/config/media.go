package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/sokohub/sokohub/internal/media"
)

// Media stores (SOKOHUB_MEDIA_STORE).
const (
	MediaDisk = "disk"
	MediaS3   = "s3"
)

// Media says where uploaded images (product photos, logos) are kept.
type Media struct {
	// Store is SOKOHUB_MEDIA_STORE: "disk" (the default: files under
	// SOKOHUB_DATA_DIR/uploads, which every gateway replica must share)
	// or "s3".
	Store string
	// S3 is the bucket when Store is "s3": SOKOHUB_S3_ENDPOINT,
	// SOKOHUB_S3_BUCKET, SOKOHUB_S3_REGION (empty: asked of the service),
	// SOKOHUB_S3_ACCESS_KEY_ID, SOKOHUB_S3_SECRET_ACCESS_KEY and
	// SOKOHUB_S3_PATH_STYLE (true for MinIO and most self-hosted services).
	S3 media.S3Config
}

// bucketRe is S3's rule for bucket names (DNS-safe, 3 to 63 characters).
var bucketRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// loadMedia reads every variable whatever the store, so Variables lists
// them all.
func loadMedia(getenv func(string) string) (Media, error) {
	m := Media{
		Store: or(strings.ToLower(strings.TrimSpace(getenv("SOKOHUB_MEDIA_STORE"))), MediaDisk),
		S3: media.S3Config{
			Endpoint:        strings.TrimRight(strings.TrimSpace(getenv("SOKOHUB_S3_ENDPOINT")), "/"),
			Bucket:          strings.TrimSpace(getenv("SOKOHUB_S3_BUCKET")),
			Region:          strings.TrimSpace(getenv("SOKOHUB_S3_REGION")),
			AccessKeyID:     strings.TrimSpace(getenv("SOKOHUB_S3_ACCESS_KEY_ID")),
			SecretAccessKey: getenv("SOKOHUB_S3_SECRET_ACCESS_KEY"),
		},
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv("SOKOHUB_S3_PATH_STYLE"))); v {
	case "", "false":
	case "true":
		m.S3.PathStyle = true
	default:
		return m, fmt.Errorf("SOKOHUB_S3_PATH_STYLE must be true or false, not %q", v)
	}
	switch m.Store {
	case MediaDisk:
		return m, nil
	case MediaS3:
		return m, m.validateS3()
	default:
		return m, fmt.Errorf("SOKOHUB_MEDIA_STORE must be %s or %s, not %q", MediaDisk, MediaS3, m.Store)
	}
}

// validateS3 never quotes the secret key.
func (m Media) validateS3() error {
	s := m.S3
	if err := checkURL("SOKOHUB_S3_ENDPOINT", s.Endpoint); err != nil {
		return fmt.Errorf("%w (e.g. https://s3.eu-west-1.amazonaws.com or http://minio.internal:9000) with SOKOHUB_MEDIA_STORE=s3", err)
	}
	if u, _ := url.Parse(s.Endpoint); u.Path != "" || u.RawQuery != "" {
		return fmt.Errorf("SOKOHUB_S3_ENDPOINT must be the service's base URL, without the bucket or a path (the bucket goes in SOKOHUB_S3_BUCKET)")
	}
	if !bucketRe.MatchString(s.Bucket) {
		return fmt.Errorf("SOKOHUB_S3_BUCKET must be a bucket name (3 to 63 lower-case letters, digits, dots and hyphens) with SOKOHUB_MEDIA_STORE=s3")
	}
	if s.AccessKeyID == "" || s.SecretAccessKey == "" {
		return fmt.Errorf("SOKOHUB_S3_ACCESS_KEY_ID and SOKOHUB_S3_SECRET_ACCESS_KEY are required with SOKOHUB_MEDIA_STORE=s3")
	}
	return nil
}
