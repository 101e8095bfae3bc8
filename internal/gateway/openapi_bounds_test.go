package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/tenants/checkout"
)

// TestOpenAPICartBoundsAreCheckouts: the limits the document promises are
// the ones checkout enforces.
func TestOpenAPICartBoundsAreCheckouts(t *testing.T) {
	t.Parallel()
	raw, err := readDoc()
	require.NoError(t, err)
	var doc struct {
		Components struct {
			Schemas struct {
				CartInput struct {
					Properties struct {
						DeliveryNote struct {
							MaxLength int `json:"maxLength"`
						} `json:"delivery_note"`
					} `json:"properties"`
				} `json:"CartInput"`
			} `json:"schemas"`
		} `json:"components"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Equal(t, checkout.MaxNoteLength, doc.Components.Schemas.CartInput.Properties.DeliveryNote.MaxLength)
}
