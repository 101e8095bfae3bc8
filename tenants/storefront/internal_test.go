package storefront

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/tenants/checkout"
	"github.com/sokohub/sokohub/tenants/stores"
)

func TestEveryMessageExistsInEveryLanguage(t *testing.T) {
	en := slices.Sorted(maps.Keys(messages["en"]))
	for _, lang := range languages {
		require.Equal(t, en, slices.Sorted(maps.Keys(messages[lang])), lang)
	}
}

func TestBrandTextAlwaysReadable(t *testing.T) {
	for _, bg := range []string{"#ffffff", "#000000", "#ffd700", "#0b6e3a", "#777777", "#ff0000", "#00ff00", "#2244cc", "#f5b700"} {
		b := brandOf(&stores.Store{BrandColor: bg, AccentColor: bg})
		require.GreaterOrEqual(t, contrast(b.Color, b.OnColor), 4.5, bg)
		require.GreaterOrEqual(t, contrast(b.Accent, b.OnAccent), 4.5, bg)
		require.GreaterOrEqual(t, contrast(b.Link, "#ffffff"), 4.5, bg)
	}
	require.InDelta(t, 21, contrast("#000000", "#ffffff"), 0.01)
	def := brandOf(nil)
	require.Equal(t, defaultBrand, def.Color)
	require.Equal(t, lightText, def.OnColor)
}

func TestCartSetAddsReplacesAndRemoves(t *testing.T) {
	var ls cartLines
	ls = ls.set("prd_a", 1, true).set("prd_a", 2, true).set("prd_b", 1, true)
	require.Equal(t, cartLines{{"prd_a", 3}, {"prd_b", 1}}, ls)
	ls = ls.set("prd_a", 1, false).set("prd_b", 0, false)
	require.Equal(t, cartLines{{"prd_a", 1}}, ls)
	require.Equal(t, int64(1000), ls.set("prd_a", 5000, true)[0].Qty, "capped at the checkout maximum")
	require.EqualValues(t, 1, ls.count())
}

func TestTooManyPromptsAdviceCountsMinutes(t *testing.T) {
	for _, c := range []struct {
		wait       time.Duration
		lang, want string
	}{
		{30 * time.Second, "en", "please wait a minute before"}, {time.Minute, "en", "please wait a minute before"},
		{61 * time.Second, "en", "please wait 2 minutes before"}, {10 * time.Minute, "en", "please wait 10 minutes before"},
		{45 * time.Second, "sw", "subiri dakika moja kabla"}, {3 * time.Minute, "sw", "subiri dakika 3 kabla"},
	} {
		require.Contains(t, tooManyAdvice(&checkout.TooManyPromptsError{Wait: c.wait}, c.lang), c.want, c.wait)
	}
}
