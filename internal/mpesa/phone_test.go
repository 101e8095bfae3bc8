package mpesa

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// phoneAccepted are inputs NormalizePhone must accept, with their result.
var phoneAccepted = []struct{ in, want string }{
	{"0712 345 678", "254712345678"},
	{"0712345678", "254712345678"},
	{"0112345678", "254112345678"},
	{"+254712345678", "254712345678"},
	{"+254 712 345 678", "254712345678"},
	{"254112345678", "254112345678"},
	{"712345678", "254712345678"},
	{"112345678", "254112345678"},
	{"0712-345-678", "254712345678"},
	{"0712.345.678", "254712345678"},
	{"(0712) 345 678", "254712345678"},
	{" 254708374149 ", "254708374149"},
	{"0712\u00a0345\u00a0678", "254712345678"}, // pasted non-breaking spaces
	{"+254 (0)712 345 678", "254712345678"},    // the trunk 0 kept, as business cards write it
	{"+2540712345678", "254712345678"},
	{"254 0112 345 678", "254112345678"},
	{"00254712345678", "254712345678"}, // dialled from abroad
	{"00254 (0)712 345 678", "254712345678"},
}

// phoneRejected are inputs NormalizePhone must refuse.
var phoneRejected = []string{
	"",
	"   ",
	"020 2345678",     // Nairobi landline
	"0202345678",      // landline, no spaces
	"254912345678",    // 2549…
	"254212345678",    // landline in international form
	"0812345678",      // not a mobile prefix
	"071234567",       // too short
	"07123456789",     // too long
	"2547123456789",   // too long
	"25471234567",     // too short
	"+0712345678",     // plus without 254
	"+1 202 555 0100", // foreign
	"0712abc678",      // letters
	"07I2345678",      // letter I for 1
	"0712+345678",     // plus in the middle
	"25407123456789",  // trunk 0, then too long
	"+002547123456",   // plus and 00
	"0025471234567",   // 00, then too short
	"٠٧١٢٣٤٥٦٧٨",      // Arabic-Indic digits
	"12345",
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	t.Run("Accepts", func(t *testing.T) {
		t.Parallel()
		for _, tc := range phoneAccepted {
			got, err := NormalizePhone(tc.in)
			require.NoError(t, err, "in %q", tc.in)
			require.Equal(t, tc.want, got, "in %q", tc.in)
		}
	})
	t.Run("Rejects", func(t *testing.T) {
		t.Parallel()
		for _, in := range phoneRejected {
			got, err := NormalizePhone(in)
			require.Error(t, err, "in %q gave %q", in, got)
			require.ErrorIs(t, err, ErrInvalidPhone, "in %q", in)
			require.Empty(t, got)
			var pe *PhoneError
			require.True(t, errors.As(err, &pe))
			require.True(t, strings.HasSuffix(err.Error(), "Enter a Safaricom number like 0712 345 678."), err.Error())
		}
	})
	t.Run("MessagesSayWhy", func(t *testing.T) {
		t.Parallel()
		_, err := NormalizePhone("0712")
		require.EqualError(t, err, "That number is too short. Enter a Safaricom number like 0712 345 678.")
		_, err = NormalizePhone("0202345678")
		require.EqualError(t, err, "That is not a mobile number. Enter a Safaricom number like 0712 345 678.")
	})
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	require.Equal(t, "254712***678", MaskPhone("254712345678"))
	require.Equal(t, "254708***149", MaskPhone("254708374149"))
	require.Equal(t, "***678", MaskPhone("12345678"))
	require.Equal(t, "***", MaskPhone("123"))
	require.Equal(t, "***", MaskPhone(""))
}

func FuzzNormalizePhone(f *testing.F) {
	for _, tc := range phoneAccepted {
		f.Add(tc.in)
	}
	for _, in := range phoneRejected {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := NormalizePhone(in)
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidPhone)
			require.Empty(t, got)
			return
		}
		require.True(t, isMSISDN(got), "%q -> %q", in, got)
		require.True(t, strings.HasPrefix(got, "2547") || strings.HasPrefix(got, "2541"))
		again, err := NormalizePhone(got)
		require.NoError(t, err, "normalized output must be accepted again")
		require.Equal(t, got, again)
		require.Len(t, MaskPhone(got), 12)
	})
}
