package checkout

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/input"
)

func TestValidateCartRefusesWhatCannotBeAContact(t *testing.T) {
	t.Parallel()
	items := []Line{{ProductID: "prd_a", Quantity: 1}}
	for _, email := range []string{"", "wanjiku@example.co.ke", "a.b+shop@mail.ke", " otieno@example.com "} {
		require.NoError(t, validateCart(Cart{Items: items, Name: "Wanjiku", Email: email}), email)
	}
	for _, name := range []string{"Wanjiku Kamau", "Nyambura 🌻", "O'Brien-Atieno"} {
		require.NoError(t, validateCart(Cart{Items: items, Name: name}), name)
	}
	for email, why := range map[string]string{
		"otieno@":                          "no domain",
		"@example.com":                     "no mailbox",
		"otieno at example@":               "spaces and no domain",
		"a@b.ke\r\nBcc: victim@x.ke":       "a second header",
		"Otieno <otieno@example.com>":      "a display name is not an address",
		`=HYPERLINK("http://e.example")@x`: "a formula",
		"a@b.ke, c@d.ke":                   "two addresses",
	} {
		err := validateCart(Cart{Items: items, Name: "Otieno", Email: email})
		ie, ok := input.As(err)
		require.True(t, ok, "%q (%s) accepted", email, why)
		require.Equal(t, "email", ie.Field, email)
	}
	for _, name := range []string{"Otieno\r\nBcc: x", "Otieno\x1b[31m", "Oti\x00eno", "Otieno\u202e"} {
		err := validateCart(Cart{Items: items, Name: name})
		ie, ok := input.As(err)
		require.True(t, ok, "%q accepted", name)
		require.Equal(t, "customer", ie.Field, name)
	}
}
