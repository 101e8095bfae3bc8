package admin

import (
	"context"
	"time"

	"github.com/uptrace/bun"
)

// Member is a person working in a store.
type Member struct {
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// Members lists storeID's people, owner first.
func Members(ctx context.Context, idb bun.IDB, storeID string) ([]Member, error) {
	ms := []Member{}
	err := idb.NewSelect().TableExpr("store_members AS m").Join("JOIN users AS u ON u.id = m.user_id").
		ColumnExpr("m.user_id, u.email, u.name, m.role, m.created_at").Where("m.store_id = ?", storeID).
		OrderExpr("CASE m.role WHEN 'owner' THEN 0 ELSE 1 END, m.created_at").Scan(ctx, &ms)
	return ms, err
}
