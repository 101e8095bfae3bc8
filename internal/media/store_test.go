package media_test

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/internal/media/mediatest"
)

// stores are every Store implementation, each made fresh and empty for a
// test: the contract below holds for all of them.
var stores = []struct {
	name string
	open func(t *testing.T) media.Store
}{
	{"Disk", func(t *testing.T) media.Store { return media.NewDisk(t.TempDir()) }},
	{"S3", func(t *testing.T) media.Store {
		s, err := media.NewS3(mediatest.S3(t))
		require.NoError(t, err)
		return s
	}},
}

func TestStoreContract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, impl := range stores {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			t.Run("GetReturnsWhatPutStored", func(t *testing.T) {
				s := impl.open(t)
				require.NoError(t, s.Put(ctx, "sto_1/img-ab-sm.jpg", []byte("first")))
				require.NoError(t, s.Put(ctx, "sto_2/img-ab-sm.jpg", []byte("other store")))
				require.NoError(t, s.Put(ctx, "sto_1/img-ab-sm.jpg", []byte("again")), "a name saved twice is no error")
				b, err := s.Get(ctx, "sto_1/img-ab-sm.jpg")
				require.NoError(t, err)
				require.Equal(t, []byte("again"), b)
				b, err = s.Get(ctx, "sto_2/img-ab-sm.jpg")
				require.NoError(t, err)
				require.Equal(t, []byte("other store"), b)
			})
			t.Run("MissingKeyIsErrNotFound", func(t *testing.T) {
				s := impl.open(t)
				require.NoError(t, s.Put(ctx, "sto_1/img-ab-sm.jpg", []byte("x")))
				for _, key := range []string{"sto_1/img-zz-sm.jpg", "sto_9/img-ab-sm.jpg"} {
					_, err := s.Get(ctx, key)
					require.ErrorIs(t, err, media.ErrNotFound, key)
				}
			})
			t.Run("RefusesKeysItWouldNotMake", func(t *testing.T) {
				s := impl.open(t)
				for _, key := range []string{"../etc/passwd", "sto_1/../../x.jpg", "sto_1/a/b.jpg", "sto_1/x.png", "/abs.jpg", ""} {
					require.Error(t, s.Put(ctx, key, []byte("x")), key)
					_, err := s.Get(ctx, key)
					require.ErrorIs(t, err, media.ErrNotFound, key)
				}
			})
			t.Run("HoldsEverySizeOfASavedImage", func(t *testing.T) {
				s := impl.open(t)
				name, err := media.SaveImage(ctx, s, "sto_1", gradientJPEG(t))
				require.NoError(t, err)
				for size, width := range media.Sizes {
					b, err := s.Get(ctx, media.Key("sto_1", name, size))
					require.NoError(t, err, size)
					img, err := jpeg.Decode(bytes.NewReader(b))
					require.NoError(t, err, size)
					require.Equal(t, width, img.Bounds().Dx(), size)
				}
			})
		})
	}
}

// TestS3FailuresAreNotNotFound: only the service's "no such key" is
// ErrNotFound; a missing bucket or an unreachable service is an error the
// gateway logs and answers with 500, never a silent 404.
func TestS3FailuresAreNotNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	noBucket := mediatest.S3(t)
	noBucket.Bucket = "no-such-bucket"
	down := mediatest.S3(t)
	srv := httptest.NewServer(nil)
	down.Endpoint = srv.URL
	srv.Close() // nothing listens there now
	for name, cfg := range map[string]media.S3Config{"missing bucket": noBucket, "service down": down} {
		s, err := media.NewS3(cfg)
		require.NoError(t, err)
		_, err = s.Get(ctx, "sto_1/img-ab-sm.jpg")
		require.Error(t, err, name)
		require.NotErrorIs(t, err, media.ErrNotFound, name)
		require.NotContains(t, err.Error(), cfg.SecretAccessKey, name)
		err = s.Put(ctx, "sto_1/img-ab-sm.jpg", []byte("x"))
		require.Error(t, err, name)
		require.NotContains(t, err.Error(), cfg.SecretAccessKey, name)
	}
}

func TestNewS3RefusesABadEndpointWithoutShowingTheSecret(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"s3.example.com", "ftp://s3.example.com", "https://s3.example.com/bucket", "https://"} {
		cfg := mediatest.S3(t)
		cfg.Endpoint = endpoint
		_, err := media.NewS3(cfg)
		require.Error(t, err, endpoint)
		require.NotContains(t, err.Error(), cfg.SecretAccessKey, endpoint)
	}
}

func gradientJPEG(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 800, 600))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, nil))
	return buf.Bytes()
}
