package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// TestDeliveryNoteThroughTheAPI: the JSON checkout takes the same
// delivery note as the HTML one, under the same bound, and every view of
// the order gives it back.
func TestDeliveryNoteThroughTheAPI(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "note")
	place := func(note string) reply {
		return c.do("POST", "/api/v1/storefront/note/orders", map[string]any{
			"items": []map[string]any{{"product_id": s.productID, "quantity": 1}}, "phone": "0712345678",
			"customer": map[string]any{"name": "Otieno"}, "delivery_note": note})
	}

	tooLong := place(strings.Repeat("a", 501))
	require.Equal(t, 400, tooLong.Status, "%s", tooLong.Body)
	require.Equal(t, "invalid_input", dig(tooLong.json(t), "error", "code"))
	require.Equal(t, "delivery_note", dig(tooLong.json(t), "error", "field"))
	require.Contains(t, str(dig(tooLong.json(t), "error", "message")), "500 characters")
	require.Empty(t, c.do("GET", "/api/v1/stores/note/orders", nil, s.auth...).json(t)["data"], "the refused note placed no order")

	longest := place(strings.Repeat("ñ", 500)) // 1000 bytes, 500 characters
	require.Equal(t, 201, longest.Status, "the bound counts characters, not bytes: %s", longest.Body)

	r := place("  Gate B, opposite Naivas — blue door \n")
	require.Equal(t, 201, r.Status, "%s", r.Body)
	const want = "Gate B, opposite Naivas — blue door"
	placed := r.json(t)
	require.Equal(t, want, placed["delivery_note"], "stored trimmed, as the HTML checkout stores it")
	id, token := str(placed["id"]), str(placed["token"])
	require.Equal(t, want, s.customerView(t, id, token)["delivery_note"])
	require.Equal(t, want, s.merchantOrder(t, id)["delivery_note"])
	eventually(t, "order.created webhooks", func() bool { return len(s.hook.ofType("order.created")) == 2 })
	var notes []any
	for _, e := range s.hook.ofType("order.created") {
		notes = append(notes, dig(e, "data", "order", "delivery_note"))
	}
	require.Contains(t, notes, want, "the seller's webhook carries it too")
}
