package storefront

import (
	"math"
	"strconv"

	"github.com/sokohub/sokohub/tenants/stores"
)

// Platform colours for stores that chose none.
const (
	defaultBrand  = "#0b6e3a"
	defaultAccent = "#f5b700"
	darkText      = "#000000"
	lightText     = "#ffffff"
)

// brand is a store's colours with the text colour that stays readable on
// each (WCAG contrast of at least 4.5:1, which black or white always
// reaches on any background), and a link colour readable on white.
type brand struct {
	Color, OnColor, Accent, OnAccent, Link string
}

func brandOf(st *stores.Store) brand {
	b := brand{Color: defaultBrand, Accent: defaultAccent}
	if st != nil && st.BrandColor != "" {
		b.Color = st.BrandColor
	}
	if st != nil && st.AccentColor != "" {
		b.Accent = st.AccentColor
	}
	b.OnColor, b.OnAccent = readableOn(b.Color), readableOn(b.Accent)
	b.Link = b.Color
	if contrast(b.Color, lightText) < 4.5 {
		b.Link = darkText
	}
	return b
}

// readableOn picks black or white text, whichever contrasts more with bg.
func readableOn(bg string) string {
	if contrast(bg, darkText) >= contrast(bg, lightText) {
		return darkText
	}
	return lightText
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colours (1 to 21).
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// luminance is WCAG's relative luminance of #rrggbb.
func luminance(hex string) float64 {
	if len(hex) != 7 {
		return 0
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return 0
	}
	channel := func(shift uint) float64 {
		c := float64((v>>shift)&0xff) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(16) + 0.7152*channel(8) + 0.0722*channel(0)
}
