package storefront_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/media"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/stores"
)

// pageBudget is what one page may weigh on first load: its HTML (with the
// inline CSS and script) plus every image it shows.
const pageBudget = 100 * 1024

// photo is a picture with the texture of a phone photo: smooth shapes
// and sensor noise (pure noise would be far worse than any real photo).
func photo(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := r.IntN(32)
			img.Set(x, y, color.RGBA{uint8((x*255/w + n) % 256), uint8((y*255/h + n) % 256), uint8((x*y/(w+1) + n) % 256), 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

var srcRe = regexp.MustCompile(`<img[^>]+src="([^"]+)"`)

func TestPagesStayUnderTheWeightBudget(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := products(t, s)
	ctx := context.Background()
	logo, err := media.SaveImage(ctx, s.App.Media, st.ID, photo(t, 600, 600))
	require.NoError(t, err)
	_, err = stores.UpdateProfile(ctx, s.App.DB, st.ID, stores.Profile{Name: st.Name, Logo: logo})
	require.NoError(t, err)
	for i, p := range ps {
		img, err := media.SaveImage(ctx, s.App.Media, st.ID, photo(t, 1200+i, 900))
		require.NoError(t, err)
		_, err = catalog.Update(ctx, s.App.DB, st.ID, p.ID, catalog.Changes{NewProduct: catalog.NewProduct{Name: p.Name,
			Price: p.Price, Stock: p.Stock}, Active: true, Image: img})
		require.NoError(t, err)
	}

	sh := newShopper(t, s)
	order := sh.buy(ps[0].ID, "0712345678")
	sh.until(order, "Paid — thank you!")
	sh.post("/s/demo/cart", url.Values{"product_id": {ps[1].ID}, "op": {"add"}})
	for _, path := range []string{"/s/demo", "/s/demo/p/" + ps[0].ID, "/s/demo/cart", order, "/s/nope"} {
		res := sh.get(path)
		total := len(res.Body)
		images := 0
		for _, m := range srcRe.FindAllStringSubmatch(res.Body, -1) {
			img := sh.get(m[1])
			require.Equal(t, http.StatusOK, img.Status, m[1])
			require.Equal(t, "image/jpeg", img.Header.Get("Content-Type"))
			total += len(img.Body)
			images++
		}
		t.Logf("%s: %d bytes with %d images", path, total, images)
		require.Less(t, total, pageBudget, path)
	}
}
