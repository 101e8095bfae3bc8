package dashboard_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/tenants/catalog"
	"github.com/sokohub/sokohub/tenants/stores"
)

// A form refused for another field cannot keep the file that was chosen
// (a file input cannot be refilled): the merchant is told to choose it
// again, next to the input, and no unsaved photo is shown as current.
func TestRefusedFormAsksForTheChosenPhotoAgain(t *testing.T) {
	s := stacktest.Start(t, stacktest.Options{})
	st, ps := demo(t, s)
	m := newMerchant(t, s)
	m.login(devstack.DemoEmail, devstack.DemoPassword)
	const again = `<p class="err" id="image-again">Your photo was not saved, because of the problem above. Choose it again before you save.</p>`

	for name, fields := range map[string]map[string]string{
		"bad price":  {"name": "Kikoi", "price": "1500.50", "stock": "4"},
		"empty name": {"name": "", "price": "1500", "stock": "4"},
	} {
		res := m.upload("/dashboard/demo/products/new", "/dashboard/demo/products/new", fields, "image", png1(t))
		require.Equal(t, http.StatusBadRequest, res.Status, name)
		require.Contains(t, res.Body, again, name)
		require.Contains(t, res.Body, `aria-describedby="image-again"`, name)
		require.NotContains(t, res.Body, "Current photo", "%s: the upload was not saved with a product", name)
	}
	bare := m.submit("/dashboard/demo/products/new", "/dashboard/demo/products/new",
		map[string][]string{"name": {"Kikoi"}, "price": {"1500.50"}})
	require.Equal(t, http.StatusBadRequest, bare.Status)
	require.NotContains(t, bare.Body, "image-again", "no photo was chosen")

	// Editing: the photo on file stays the one shown.
	p := ps[0]
	res := m.upload("/dashboard/demo/products/"+p.ID, "/dashboard/demo/products/"+p.ID,
		map[string]string{"name": p.Name, "price": "abc", "stock": "1"}, "image", png1(t))
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Contains(t, res.Body, again)
	require.Contains(t, res.Body, "/media/"+p.Image+"-sm.jpg")
	got, err := catalog.Get(context.Background(), s.App.DB, st.ID, p.ID)
	require.NoError(t, err)
	require.Equal(t, p.Image, got.Image)

	// The store step's logo, the same way.
	res = m.upload("/dashboard/demo/setup/store", "/dashboard/demo/setup/store",
		map[string]string{"name": "", "brand_color": "#0b6e3a", "accent_color": "#f5b700"}, "logo", png1(t))
	require.Equal(t, http.StatusBadRequest, res.Status)
	require.Contains(t, res.Body, `id="logo-again">Your logo was not saved`)
	after, err := stores.BySlug(context.Background(), s.App.DB, "demo")
	require.NoError(t, err)
	require.Equal(t, st.Logo, after.Logo)
	if st.Logo == "" {
		require.NotContains(t, res.Body, "Current logo", "the unsaved logo is not shown as the store's")
	}
}
