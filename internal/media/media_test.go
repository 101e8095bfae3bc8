package media

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSaveImageStoresEverySizeSmallAndOpaque(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 1600, 1200))
	for y := range 1200 {
		for x := range 1600 {
			src.Set(x, y, color.NRGBA{uint8(x), uint8(y), 200, 0}) // fully transparent
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, src))
	d := NewDisk(t.TempDir())
	ctx := context.Background()
	name, err := SaveImage(ctx, d, "sto_1", buf.Bytes())
	require.NoError(t, err)
	again, err := SaveImage(ctx, d, "sto_1", buf.Bytes())
	require.NoError(t, err)
	require.Equal(t, name, again, "names are content hashes")
	for size, width := range Sizes {
		b, err := d.Get(ctx, Key("sto_1", name, size))
		require.NoError(t, err, size)
		img, err := jpeg.Decode(bytes.NewReader(b))
		require.NoError(t, err)
		require.Equal(t, width, img.Bounds().Dx(), size)
		require.Equal(t, width*3/4, img.Bounds().Dy(), size)
		r, g, bl, _ := img.At(5, 5).RGBA()
		require.Greater(t, min(r, g, bl), uint32(0xf000), "transparency becomes white")
	}
}

func TestSaveImageRefusesWhatIsNotAPhoto(t *testing.T) {
	_, err := SaveImage(context.Background(), NewDisk(t.TempDir()), "sto_1", []byte("<svg></svg>"))
	require.ErrorIs(t, err, ErrNotImage)
}

func TestSmallImagesAreNotEnlarged(t *testing.T) {
	require.Equal(t, 50, shrink(image.NewRGBA(image.Rect(0, 0, 50, 20)), 320).Bounds().Dx())
}
