package dashboard_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/internal/media/mediatest"
	"github.com/sokohub/sokohub/tenants/catalog"
)

// TestProductPhotoGoesToS3AndTheStorefrontServesIt: with
// SOKOHUB_MEDIA_STORE=s3 an uploaded photo lands in the bucket, nothing
// under the data dir, and the storefront serves it from there.
func TestProductPhotoGoesToS3AndTheStorefrontServesIt(t *testing.T) {
	bucket := mediatest.S3(t)
	s := stacktest.Start(t, stacktest.Options{Env: map[string]string{
		"SOKOHUB_MEDIA_STORE": "s3", "SOKOHUB_S3_ENDPOINT": bucket.Endpoint, "SOKOHUB_S3_BUCKET": bucket.Bucket,
		"SOKOHUB_S3_REGION": bucket.Region, "SOKOHUB_S3_ACCESS_KEY_ID": bucket.AccessKeyID,
		"SOKOHUB_S3_SECRET_ACCESS_KEY": bucket.SecretAccessKey, "SOKOHUB_S3_PATH_STYLE": "true"}})
	require.IsType(t, &media.S3{}, s.App.Media)
	st, _ := demo(t, s)
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)

	res := m.upload("/dashboard/demo/products/new", "/dashboard/demo/products/new",
		map[string]string{"name": "Kiondo", "price": "900", "stock": "3", "active": "1"}, "image", png1(t))
	require.Equal(t, http.StatusSeeOther, res.Status, res.Body)
	ps, err := catalog.All(context.Background(), s.App.DB, st.ID)
	require.NoError(t, err)
	p := ps[len(ps)-1]
	require.Equal(t, "Kiondo", p.Name)
	require.NotEmpty(t, p.Image)

	direct, err := media.NewS3(bucket)
	require.NoError(t, err)
	stored, err := direct.Get(context.Background(), media.Key(st.ID, p.Image, "sm"))
	require.NoError(t, err, "the photo is in the bucket")
	_, err = os.Stat(filepath.Join(s.App.Config.DataDir, "uploads"))
	require.ErrorIs(t, err, os.ErrNotExist, "and nothing went to disk")

	img := newMerchant(t, s).get("/s/demo/media/" + p.Image + "-sm.jpg")
	require.Equal(t, http.StatusOK, img.Status)
	require.Equal(t, "image/jpeg", img.Header.Get("Content-Type"))
	require.True(t, bytes.Equal(stored, []byte(img.Body)), "the storefront serves the bucket's bytes")
	require.Equal(t, http.StatusNotFound, newMerchant(t, s).get("/s/demo/media/img-00000000000000000000-sm.jpg").Status,
		"a name the bucket lacks is a 404")
}
