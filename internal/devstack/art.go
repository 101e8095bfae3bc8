package devstack

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// The demo products' photos are drawn here at seed time, so the demo
// shop looks like a shop without downloading or shipping any picture.
// A picture is a gradient with flat shapes painted over it in order;
// coordinates are fractions of the side, (0,0) top left.

// shape tells whether point (x, y) is inside it.
type shape func(x, y float64) bool

type layer struct {
	c  color.RGBA
	in shape
}

// picture is a still life: a gradient from top to bottom, then layers.
type picture struct {
	top, bottom color.RGBA
	layers      []layer
}

// png renders p at side pixels square and encodes it as an upload
// would arrive.
func (p picture) png(side int) ([]byte, error) {
	var buf bytes.Buffer
	err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, p.render(side))
	return buf.Bytes(), err
}

// render paints a pixel in one colour when the same layer is on top at
// its four corners; a pixel an edge crosses gets the average of 4×4
// samples, so edges are smooth at the cost of sampling only them.
func (p picture) render(side int) *image.RGBA {
	n, unit := side+1, 1/float64(side)
	corner := make([]int, n*n)
	for j := range n {
		for i := range n {
			corner[j*n+i] = p.topmost(float64(i)*unit, float64(j)*unit)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	for py := range side {
		for px := range side {
			k := corner[py*n+px]
			if k == corner[py*n+px+1] && k == corner[(py+1)*n+px] && k == corner[(py+1)*n+px+1] {
				img.SetRGBA(px, py, p.colour(k, (float64(py)+0.5)*unit))
				continue
			}
			var r, g, b float64
			for s := range 16 {
				x, y := (float64(px)+(float64(s%4)+0.5)/4)*unit, (float64(py)+(float64(s/4)+0.5)/4)*unit
				c := p.colour(p.topmost(x, y), y)
				r, g, b = r+float64(c.R), g+float64(c.G), b+float64(c.B)
			}
			img.SetRGBA(px, py, color.RGBA{uint8(r/16 + 0.5), uint8(g/16 + 0.5), uint8(b/16 + 0.5), 255})
		}
	}
	return img
}

// topmost is the index of the last layer holding (x, y), -1 for none.
func (p picture) topmost(x, y float64) int {
	for i := len(p.layers) - 1; i >= 0; i-- {
		if p.layers[i].in(x, y) {
			return i
		}
	}
	return -1
}

// colour is layer k's, or the gradient's at height y.
func (p picture) colour(k int, y float64) color.RGBA {
	if k < 0 {
		return mix(p.top, p.bottom, y)
	}
	return p.layers[k].c
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	m := func(u, v uint8) uint8 { return uint8(float64(u) + (float64(v)-float64(u))*t) }
	return color.RGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 255}
}

func rgb(hex uint32) color.RGBA {
	return color.RGBA{uint8(hex >> 16), uint8(hex >> 8), uint8(hex), 255}
}

func circle(cx, cy, r float64) shape {
	return func(x, y float64) bool { return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r }
}

// ellipse has half-axes rx and ry, turned by deg degrees clockwise.
func ellipse(cx, cy, rx, ry, deg float64) shape {
	sin, cos := math.Sincos(deg * math.Pi / 180)
	return func(x, y float64) bool {
		dx, dy := x-cx, y-cy
		u, v := dx*cos+dy*sin, -dx*sin+dy*cos
		return u*u/(rx*rx)+v*v/(ry*ry) <= 1
	}
}

// box is a rectangle with corners rounded by r.
func box(x0, y0, x1, y1, r float64) shape {
	return func(x, y float64) bool {
		if x < x0 || x > x1 || y < y0 || y > y1 {
			return false
		}
		dx := max(x0+r-x, x-(x1-r), 0)
		dy := max(y0+r-y, y-(y1-r), 0)
		return dx*dx+dy*dy <= r*r
	}
}

// polygon is the area inside the points, by the even-odd rule.
func polygon(pts ...[2]float64) shape {
	return func(x, y float64) bool {
		in := false
		for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
			a, b := pts[i], pts[j]
			if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
				in = !in
			}
		}
		return in
	}
}

// shadow is the soft ground under an object, centred at cx.
func shadow(c color.RGBA, cx, w float64) layer {
	return layer{c, ellipse(cx, 0.86, w, 0.045, 0)}
}

// sukuma is a bunch of kale leaves fanned from a tied stem.
func sukuma() picture {
	p := picture{top: rgb(0xf1f7e8), bottom: rgb(0xcfe3b6), layers: []layer{shadow(rgb(0xb2c99a), 0.5, 0.3)}}
	greens := []uint32{0x2e7d32, 0x3d9140, 0x256b29, 0x43a047, 0x2f7d32}
	for i, deg := range []float64{-48, -24, 0, 24, 48} {
		rad := deg * math.Pi / 180
		cx, cy := 0.5+0.2*math.Sin(rad), 0.8-0.3*math.Cos(rad)
		p.layers = append(p.layers,
			layer{rgb(greens[i]), ellipse(cx, cy, 0.12, 0.25, deg)},
			layer{rgb(0x9ccc65), ellipse(0.5+0.14*math.Sin(rad), 0.8-0.21*math.Cos(rad), 0.008, 0.2, deg)})
	}
	p.layers = append(p.layers,
		layer{rgb(0x7cb342), box(0.47, 0.66, 0.53, 0.88, 0.02)},
		layer{rgb(0xc62828), box(0.455, 0.74, 0.545, 0.77, 0.01)})
	return p
}

// tomatoes are three ripe tomatoes with their green tops.
func tomatoes() picture {
	p := picture{top: rgb(0xfff3e8), bottom: rgb(0xffd6bd), layers: []layer{shadow(rgb(0xe8b89c), 0.5, 0.36)}}
	for _, t := range []struct {
		x, y, r float64
		c       uint32
	}{{0.33, 0.66, 0.17, 0xc62828}, {0.67, 0.66, 0.17, 0xd32f2f}, {0.5, 0.5, 0.19, 0xe53935}} {
		top := t.y - t.r*0.8
		p.layers = append(p.layers,
			layer{rgb(t.c), ellipse(t.x, t.y, t.r*1.08, t.r, 0)},
			layer{rgb(0xef9a9a), ellipse(t.x-t.r*0.45, t.y-t.r*0.4, t.r*0.18, t.r*0.1, -35)},
			layer{rgb(0x2e7d32), polygon([2]float64{t.x - 0.07, top}, [2]float64{t.x, top - 0.03},
				[2]float64{t.x + 0.07, top}, [2]float64{t.x + 0.02, top + 0.03}, [2]float64{t.x - 0.02, top + 0.03})},
			layer{rgb(0x1b5e20), box(t.x-0.008, top-0.06, t.x+0.008, top, 0.004)})
	}
	return p
}

// unga is a 2 kg paper bag of maize flour with its label.
func unga() picture {
	return picture{top: rgb(0xfdf7e6), bottom: rgb(0xf0ddb0), layers: []layer{
		shadow(rgb(0xd9c28c), 0.5, 0.28),
		{rgb(0xfbfaf5), box(0.27, 0.2, 0.73, 0.86, 0.03)},
		{rgb(0xe7e2d3), box(0.27, 0.2, 0.73, 0.27, 0.03)},
		{rgb(0x1565c0), box(0.27, 0.42, 0.73, 0.7, 0)},
		{rgb(0x66bb6a), ellipse(0.44, 0.56, 0.035, 0.11, -25)},
		{rgb(0x66bb6a), ellipse(0.56, 0.56, 0.035, 0.11, 25)},
		{rgb(0xfbc02d), ellipse(0.5, 0.55, 0.045, 0.11, 0)},
		{rgb(0xe0a526), box(0.35, 0.76, 0.65, 0.79, 0.01)},
	}}
}

// maziwa is a 500 ml carton of fermented milk.
func maziwa() picture {
	return picture{top: rgb(0xeaf2fb), bottom: rgb(0xc3d9f0), layers: []layer{
		shadow(rgb(0xa3bcd8), 0.5, 0.24),
		{rgb(0xdfe4ea), polygon([2]float64{0.31, 0.34}, [2]float64{0.5, 0.2}, [2]float64{0.69, 0.34})},
		{rgb(0xcfd6de), box(0.44, 0.13, 0.56, 0.22, 0.01)},
		{rgb(0xffffff), box(0.31, 0.34, 0.69, 0.86, 0.015)},
		{rgb(0x1e88e5), box(0.31, 0.5, 0.69, 0.7, 0)},
		{rgb(0xffffff), circle(0.5, 0.6, 0.065)},
		{rgb(0x1e88e5), ellipse(0.5, 0.62, 0.03, 0.04, 0)},
		{rgb(0x1e88e5), polygon([2]float64{0.475, 0.61}, [2]float64{0.5, 0.555}, [2]float64{0.525, 0.61})},
	}}
}
