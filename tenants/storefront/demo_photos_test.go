package storefront_test

import (
	"bytes"
	"image/jpeg"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/media"
)

// TestDemoProductsHavePhotos: the seeded demo shop shows a photo for
// every product, served as JPEG, and its first load stays in the budget.
func TestDemoProductsHavePhotos(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	_, ps := products(t, s)
	sh := newShopper(t, s)
	home := sh.get("/s/demo")
	require.Equal(t, http.StatusOK, home.Status)
	total := len(home.Body)
	for _, p := range ps {
		require.NotEmpty(t, p.Image, "%s has a photo", p.Name)
		src := "/s/demo/media/" + p.Image + "-sm.jpg"
		require.Contains(t, home.Body, `src="`+src+`"`, "the grid shows %s's photo", p.Name)
		for size, width := range media.Sizes {
			img := sh.get("/s/demo/media/" + p.Image + "-" + size + ".jpg")
			require.Equal(t, http.StatusOK, img.Status, "%s %s", p.Name, size)
			require.Equal(t, "image/jpeg", img.Header.Get("Content-Type"))
			decoded, err := jpeg.Decode(bytes.NewReader([]byte(img.Body)))
			require.NoError(t, err)
			require.Equal(t, width, decoded.Bounds().Dx())
			require.Equal(t, width, decoded.Bounds().Dy(), "square, as the grid shows it")
			if size == "sm" {
				total += len(img.Body)
			}
		}
	}
	require.Less(t, total, pageBudget, "the demo shop's first load with its photos")
	t.Logf("/s/demo: %d bytes with %d photos", total, len(ps))
}
