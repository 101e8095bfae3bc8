package catalog

import (
	"context"
	"regexp"
	"strings"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
	"github.com/sokohub/sokohub/internal/input"
	"github.com/sokohub/sokohub/internal/mpesa"
)

// normalize trims p and checks it can be sold: a name, a price M-Pesa can
// take (whole shillings), stock that is not negative.
func (p *NewProduct) normalize() error {
	p.Name, p.Description = strings.TrimSpace(p.Name), strings.TrimSpace(p.Description)
	if p.Currency == "" {
		p.Currency = "KES"
	}
	switch {
	case p.Name == "" || len(p.Name) > 120:
		return input.Invalid("name", "Enter the product's name (up to 120 characters).")
	case len(p.Description) > 2000:
		return input.Invalid("description", "Keep the description under 2,000 characters.")
	case p.Price <= 0:
		return input.Invalid("price", "The price must be a positive amount, in cents.")
	case p.Stock < 0:
		return input.Invalid("stock", "The stock cannot be below zero.")
	}
	if _, err := mpesa.Shillings(p.Price, p.Currency); err != nil {
		return input.Invalid("price", err.Error())
	}
	return nil
}

// Changes is a merchant's edit of a product: everything NewProduct holds,
// whether it is on sale, and its image (a media name, "" for none).
type Changes struct {
	NewProduct
	Active bool
	Image  string
}

var imageRe = regexp.MustCompile(`^[a-z0-9_-]{1,80}$`)

// Update saves ch as product id of storeID. Stock is set, not adjusted:
// the merchant types what is on the shelf.
func Update(ctx context.Context, idb bun.IDB, storeID, id string, ch Changes) (*Product, error) {
	if err := ch.normalize(); err != nil {
		return nil, err
	}
	if ch.Image != "" && !imageRe.MatchString(ch.Image) {
		return nil, input.Invalid("image", "Please upload the photo again.")
	}
	p := new(Product)
	err := idb.NewUpdate().Model(p).Set("name = ?", ch.Name).Set("description = ?", ch.Description).
		Set("price = ?", ch.Price).Set("currency = ?", ch.Currency).Set("stock = ?", ch.Stock).
		Set("active = ?", ch.Active).Set("image = ?", ch.Image).Set("updated_at = ?", db.Now()).
		Where("store_id = ?", storeID).Where("id = ?", id).Returning("*").Scan(ctx)
	return p, db.NotFound(err)
}

// All returns every product of storeID, on sale or not, oldest first: the
// merchant's list.
func All(ctx context.Context, idb bun.IDB, storeID string) ([]Product, error) {
	ps := []Product{}
	err := idb.NewSelect().Model(&ps).Where("store_id = ?", storeID).Order("created_at", "id").Scan(ctx)
	return ps, err
}
