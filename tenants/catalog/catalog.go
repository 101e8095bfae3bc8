// Package catalog owns a store's products, their prices and stock. Every
// query takes the store id: a product is only ever seen through its store.
package catalog

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// ErrOutOfStock is returned when a reservation asks for more than is left.
var ErrOutOfStock = errors.New("catalog: not enough stock")

// Product is something a store sells. Price is in minor units (cents).
type Product struct {
	bun.BaseModel `bun:"table:products"`

	ID          string    `bun:",pk" json:"id"`
	StoreID     string    `json:"-"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Price       int64     `json:"price"`
	Currency    string    `json:"currency"`
	Stock       int64     `json:"stock"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// Image names the product's photo in internal/media ("" for none).
	Image string `json:"image,omitempty"`
}

// NewProduct is what a merchant sends to add a product.
type NewProduct struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Price       int64  `json:"price"`
	Currency    string `json:"currency"`
	Stock       int64  `json:"stock"`
}

// Create adds a product to storeID. Prices must be payable by M-Pesa, which
// takes whole shillings only: 10.50 is refused, never rounded.
func Create(ctx context.Context, idb bun.IDB, storeID string, p NewProduct) (*Product, error) {
	if err := p.normalize(); err != nil {
		return nil, err
	}
	now := db.Now()
	prod := &Product{ID: db.NewID("prd"), StoreID: storeID, Name: p.Name, Description: strings.TrimSpace(p.Description),
		Price: p.Price, Currency: p.Currency, Stock: p.Stock, Active: true, CreatedAt: now, UpdatedAt: now}
	if _, err := idb.NewInsert().Model(prod).Exec(ctx); err != nil {
		return nil, err
	}
	return prod, nil
}

// List returns storeID's active products, oldest first (the order the
// merchant added them).
func List(ctx context.Context, idb bun.IDB, storeID string) ([]Product, error) {
	ps := []Product{}
	err := idb.NewSelect().Model(&ps).Where("store_id = ?", storeID).Where("active = ?", true).
		Order("created_at", "id").Scan(ctx)
	return ps, err
}

// Get loads one of storeID's products.
func Get(ctx context.Context, idb bun.IDB, storeID, id string) (*Product, error) {
	p := new(Product)
	err := idb.NewSelect().Model(p).Where("store_id = ?", storeID).Where("id = ?", id).Scan(ctx)
	return p, db.NotFound(err)
}

// Reserve takes qty of product id out of stock inside tx, or fails with
// ErrOutOfStock without changing anything.
func Reserve(ctx context.Context, tx bun.IDB, storeID, id string, qty int64) error {
	res, err := tx.NewUpdate().Model((*Product)(nil)).
		Set("stock = stock - ?", qty).Set("updated_at = ?", db.Now()).
		Where("store_id = ?", storeID).Where("id = ?", id).Where("stock >= ?", qty).Exec(ctx)
	if err != nil {
		return err
	}
	if db.Affected(res) != 1 {
		return ErrOutOfStock
	}
	return nil
}

// Release puts qty of product id back in stock inside tx (an unpaid order
// expired).
func Release(ctx context.Context, tx bun.IDB, storeID, id string, qty int64) error {
	_, err := tx.NewUpdate().Model((*Product)(nil)).
		Set("stock = stock + ?", qty).Set("updated_at = ?", db.Now()).
		Where("store_id = ?", storeID).Where("id = ?", id).Exec(ctx)
	return err
}
