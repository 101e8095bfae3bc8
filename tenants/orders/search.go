package orders

import (
	"context"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/mpesa"
)

// Filter narrows a store's order list: by status ("" for all) and by a
// free-text query that matches an order number (#1001 or 1001), a phone in
// any form people type (or its last digits), or an M-Pesa receipt.
type Filter struct {
	Status string
	Query  string
	Limit  int
}

// Search returns storeID's orders matching f, newest first.
func Search(ctx context.Context, idb bun.IDB, storeID string, f Filter) ([]Order, error) {
	os := []Order{}
	q := idb.NewSelect().Model(&os).Where("store_id = ?", storeID).Order("created_at DESC", "id DESC")
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if text := strings.TrimSpace(f.Query); text != "" {
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery { return matching(q, text) })
	}
	return os, q.Scan(ctx)
}

// matching ORs together every reading of text: receipts are always tried;
// digits may be an order number, a whole phone number or its tail.
func matching(q *bun.SelectQuery, text string) *bun.SelectQuery {
	q = q.WhereOr("receipt = ?", strings.ToUpper(text))
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == '#' || r == ' ' || r == '-' || r == '+':
			return -1
		}
		return 'x'
	}, text)
	if digits == "" || strings.ContainsRune(digits, 'x') {
		return q
	}
	if n, err := strconv.ParseInt(digits, 10, 64); err == nil && len(digits) <= 9 {
		q = q.WhereOr("number = ?", n)
	}
	if msisdn, err := mpesa.NormalizePhone(text); err == nil {
		q = q.WhereOr("phone = ?", msisdn)
	} else if len(digits) >= 3 {
		q = q.WhereOr("phone LIKE ?", "%"+digits)
	}
	return q
}
