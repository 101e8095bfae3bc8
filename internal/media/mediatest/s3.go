// Package mediatest runs an S3-compatible service in the test's process
// (gofakes3 on a loopback httptest server), so the S3 store is tested
// against real S3 requests without leaving the machine.
package mediatest

import (
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/sokohub/sokohub/internal/media"
)

// Bucket is the one bucket S3 creates.
const Bucket = "sokohub-test"

// S3 starts a fake S3 service holding one empty bucket, stopped when t
// ends, and returns the configuration that reaches it.
func S3(t testing.TB) media.S3Config {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(Bucket); err != nil {
		t.Fatalf("mediatest: bucket: %v", err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return media.S3Config{Endpoint: srv.URL, Bucket: Bucket, Region: "us-east-1",
		AccessKeyID: "test-access-key", SecretAccessKey: "test-secret-key", PathStyle: true}
}
