package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // decoders people's phones and laptops produce
	"image/jpeg"
	_ "image/png"
)

// Sizes are the widths stored for every image: an icon for logos and cart
// lines, a thumbnail for grids and a larger one for the product page. Both are small JPEGs, so a storefront
// stays light on a slow network whatever the merchant uploads.
var Sizes = map[string]int{"xs": 96, "sm": 320, "lg": 640}

// MaxPixels bounds a decoded upload (16 megapixels: a phone camera's
// photo; a decoded pixel costs 4 to 8 bytes), so a tiny file that claims
// huge dimensions cannot exhaust memory.
const MaxPixels = 16_000_000

// decoding allows two decodes at once per process: each may hold a
// hundred megabytes for a moment, and the gateway's budget is 200 MB.
var decoding = make(chan struct{}, 2)

// ErrNotImage is the merchant-facing refusal of an upload.
var ErrNotImage = errors.New("media: upload a JPEG, PNG or GIF photo")

// SaveImage decodes raw, stores every size of it for storeID and returns
// the image's name (without size or extension): what products and logos
// keep. URL paths are "<name>-<size>.jpg".
func SaveImage(ctx context.Context, s Store, storeID string, raw []byte) (string, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > MaxPixels {
		return "", ErrNotImage
	}
	select {
	case decoding <- struct{}{}:
		defer func() { <-decoding }()
	case <-ctx.Done():
		return "", ctx.Err()
	}
	src, _, err := image.Decode(bytes.NewReader(raw))
	if err != nil {
		return "", ErrNotImage
	}
	sum := sha256.Sum256(raw)
	name := "img-" + hex.EncodeToString(sum[:10])
	for size, width := range Sizes {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, shrink(src, width), &jpeg.Options{Quality: 72}); err != nil {
			return "", err
		}
		if err := s.Put(ctx, Key(storeID, name, size), buf.Bytes()); err != nil {
			return "", err
		}
	}
	return name, nil
}

// Key is where size of image name of storeID lives.
func Key(storeID, name, size string) string { return storeID + "/" + name + "-" + size + ".jpg" }

// shrink scales src down to at most width pixels wide (never up), averaging
// the source pixels under each destination pixel, on a white background
// (JPEG has no transparency).
func shrink(src image.Image, width int) *image.RGBA {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > width {
		h = max(1, h*width/w)
		w = width
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	for y := range h {
		y0, y1 := b.Min.Y+y*b.Dy()/h, b.Min.Y+max((y+1)*b.Dy()/h, y*b.Dy()/h+1)
		for x := range w {
			x0, x1 := b.Min.X+x*b.Dx()/w, b.Min.X+max((x+1)*b.Dx()/w, x*b.Dx()/w+1)
			var r, g, bl, a, n uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, ca := src.At(sx, sy).RGBA()
					r, g, bl, a, n = r+uint64(cr), g+uint64(cg), bl+uint64(cb), a+uint64(ca), n+1
				}
			}
			// Premultiplied colour over white: c + (1-alpha)·white.
			white := (0xffff*n - a) / n
			dst.Set(x, y, color.RGBA64{R: uint16(r/n + white), G: uint16(g/n + white), B: uint16(bl/n + white), A: 0xffff})
		}
	}
	return dst
}
