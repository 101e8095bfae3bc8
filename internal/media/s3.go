package media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says which bucket of an S3-compatible service (AWS S3, MinIO,
// Cloudflare R2, DigitalOcean Spaces…) holds the images.
type S3Config struct {
	// Endpoint is the service's base URL, e.g.
	// https://s3.eu-west-1.amazonaws.com or http://minio.internal:9000;
	// its scheme decides TLS.
	Endpoint string
	Bucket   string
	// Region is the bucket's region; empty asks the service once.
	Region string
	// AccessKeyID and SecretAccessKey sign every request (SigV4: the
	// secret itself never travels).
	AccessKeyID, SecretAccessKey string
	// PathStyle names the bucket in the path (endpoint/bucket/key), as
	// MinIO and most self-hosted services need; false lets the client
	// choose (bucket.endpoint/key for AWS and the clouds it knows).
	PathStyle bool
}

// String describes the bucket without its keys, for errors and logs.
func (c S3Config) String() string { return "s3 bucket " + c.Bucket + " at " + c.Endpoint }

// S3 is a Store in an S3-compatible bucket. Objects are written with a
// year-long immutable Cache-Control, as the storefront serves them.
type S3 struct {
	client *minio.Client
	bucket string
}

// maxRetries bounds how long a request waits on a failing service: a
// shopper's page is waiting (the client's default is 10 retries).
const maxRetries = 3

// NewS3 returns an S3 store for cfg. It sends nothing: a wrong bucket or
// key shows on the first Put or Get.
func NewS3(cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("media: %s: the endpoint must be an http(s) URL with no path", cfg)
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, ""),
		Secure:       u.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: lookup,
		MaxRetries:   maxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("media: %s: %w", cfg, err)
	}
	return &S3{client: client, bucket: cfg.Bucket}, nil
}

// Put uploads data under key in one request (images are small).
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	if !ValidKey(key) {
		return errors.New("media: invalid key")
	}
	_, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType: "image/jpeg", CacheControl: "public, max-age=31536000, immutable"})
	if err != nil {
		return fmt.Errorf("media: s3 put %s: %w", key, err)
	}
	return nil
}

// Get downloads key; a key the bucket does not hold is ErrNotFound.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if !ValidKey(key) {
		return nil, ErrNotFound
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("media: s3 get %s: %w", key, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj) // the request is sent on the first read
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("media: s3 get %s: %w", key, err)
	}
	return b, nil
}
