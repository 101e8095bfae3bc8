package policy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"

	"github.com/sokohub/sokohub/internal/db"
)

// Adapter stores Casbin rules with bun. p and g2 rules live in
// casbin_rules; g rules (user, role, store) are the store_members rows
// themselves, so a store's membership has one source of truth that the
// tenant modules and the policy both read.
//
// It implements persist.BatchAdapter. SavePolicy is refused: rules change
// one by one through the enforcer (AutoSave), never by rewriting all.
type Adapter struct {
	db bun.IDB
	// timeout bounds each call: Casbin's adapter API has no context.
	timeout time.Duration
}

var _ persist.BatchAdapter = (*Adapter)(nil)

// NewAdapter returns an Adapter on idb.
func NewAdapter(idb bun.IDB) *Adapter { return &Adapter{db: idb, timeout: 10 * time.Second} }

type rule struct {
	bun.BaseModel `bun:"table:casbin_rules"`

	ID                     string `bun:",pk"`
	Ptype                  string
	V0, V1, V2, V3, V4, V5 string
}

func (r *rule) values() []string {
	vs := []string{r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
	for len(vs) > 0 && vs[len(vs)-1] == "" {
		vs = vs[:len(vs)-1]
	}
	return vs
}

func newRule(ptype string, vs []string) (*rule, error) {
	if len(vs) > 6 {
		return nil, fmt.Errorf("policy: %s rule has %d values, at most 6 fit", ptype, len(vs))
	}
	pad := make([]string, 6)
	copy(pad, vs)
	return &rule{ID: db.NewID("pol"), Ptype: ptype, V0: pad[0], V1: pad[1], V2: pad[2], V3: pad[3], V4: pad[4], V5: pad[5]}, nil
}

type member struct {
	bun.BaseModel `bun:"table:store_members"`

	StoreID   string `bun:",pk"`
	UserID    string `bun:",pk"`
	Role      string
	CreatedAt time.Time
}

// ErrOtherRole refuses to add a member who already has another role in the
// store: change a role by removing the old one first.
var ErrOtherRole = errors.New("policy: the user already has another role in this store")

func (a *Adapter) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), a.timeout)
}

// LoadPolicy loads every rule into m.
func (a *Adapter) LoadPolicy(m model.Model) error {
	ctx, cancel := a.ctx()
	defer cancel()
	var rules []rule
	if err := a.db.NewSelect().Model(&rules).Order("ptype", "v0", "v1", "v2").Scan(ctx); err != nil {
		return fmt.Errorf("policy: load rules: %w", err)
	}
	for _, r := range rules {
		if err := persist.LoadPolicyArray(append([]string{r.Ptype}, r.values()...), m); err != nil {
			return err
		}
	}
	var ms []member
	if err := a.db.NewSelect().Model(&ms).Scan(ctx); err != nil {
		return fmt.Errorf("policy: load members: %w", err)
	}
	for _, mb := range ms {
		if err := persist.LoadPolicyArray([]string{"g", mb.UserID, mb.Role, mb.StoreID}, m); err != nil {
			return err
		}
	}
	return nil
}

// SavePolicy is refused; see Adapter.
func (a *Adapter) SavePolicy(model.Model) error {
	return errors.New("policy: SavePolicy would rewrite every rule; change rules one by one")
}

// AddPolicy stores one rule.
func (a *Adapter) AddPolicy(sec, ptype string, r []string) error {
	return a.AddPolicies(sec, ptype, [][]string{r})
}

// AddPolicies stores rules in one transaction. Adding a rule that is
// already stored changes nothing.
func (a *Adapter) AddPolicies(_, ptype string, rules [][]string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return db.RunInTx(ctx, a.db, func(ctx context.Context, tx bun.IDB) error {
		for _, r := range rules {
			if err := addRule(ctx, tx, ptype, r); err != nil {
				return err
			}
		}
		return nil
	})
}

func addRule(ctx context.Context, tx bun.IDB, ptype string, vs []string) error {
	if ptype == "g" {
		return addMember(ctx, tx, vs)
	}
	r, err := newRule(ptype, vs)
	if err != nil {
		return err
	}
	_, err = tx.NewInsert().Model(r).On("CONFLICT DO NOTHING").Exec(ctx)
	return err
}

func addMember(ctx context.Context, tx bun.IDB, vs []string) error {
	if len(vs) != 3 {
		return fmt.Errorf("policy: g rule needs user, role, store; got %d values", len(vs))
	}
	m := &member{UserID: vs[0], Role: vs[1], StoreID: vs[2], CreatedAt: db.Now()}
	res, err := tx.NewInsert().Model(m).On("CONFLICT (store_id, user_id) DO NOTHING").Exec(ctx)
	if err != nil || db.Affected(res) == 1 {
		return err
	}
	// Already a member (stores.Create writes the owner row itself): fine
	// if it is this role.
	have := new(member)
	if err := tx.NewSelect().Model(have).Where("store_id = ?", m.StoreID).Where("user_id = ?", m.UserID).Scan(ctx); err != nil {
		return err
	}
	if have.Role != m.Role {
		return ErrOtherRole
	}
	return nil
}

// RemovePolicy deletes one rule.
func (a *Adapter) RemovePolicy(sec, ptype string, r []string) error {
	return a.RemovePolicies(sec, ptype, [][]string{r})
}

// RemovePolicies deletes rules in one transaction.
func (a *Adapter) RemovePolicies(_, ptype string, rules [][]string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return db.RunInTx(ctx, a.db, func(ctx context.Context, tx bun.IDB) error {
		for _, r := range rules {
			if err := remove(ctx, tx, ptype, 0, r, true); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveFilteredPolicy deletes the rules whose values from fieldIndex on
// equal fieldValues; an empty value matches anything.
func (a *Adapter) RemoveFilteredPolicy(_, ptype string, fieldIndex int, fieldValues ...string) error {
	ctx, cancel := a.ctx()
	defer cancel()
	return remove(ctx, a.db, ptype, fieldIndex, fieldValues, false)
}

// memberColumns are the store_members columns of a g rule's values.
var memberColumns = []string{"user_id", "role", "store_id"}

// remove deletes the rules whose values from fieldIndex on equal values.
// Filters (exact false) skip empty values; a filter that constrains
// nothing is refused rather than deleting every rule.
func remove(ctx context.Context, idb bun.IDB, ptype string, fieldIndex int, values []string, exact bool) error {
	columns := []string{"v0", "v1", "v2", "v3", "v4", "v5"}
	q := idb.NewDelete().Model((*rule)(nil)).Where("ptype = ?", ptype)
	if ptype == "g" {
		columns = memberColumns
		q = idb.NewDelete().Model((*member)(nil))
	}
	if fieldIndex < 0 || fieldIndex+len(values) > len(columns) {
		return fmt.Errorf("policy: %s filter at %d with %d values is out of range", ptype, fieldIndex, len(values))
	}
	if exact {
		values = append(values, make([]string, len(columns)-fieldIndex-len(values))...)
	}
	constrained := false
	for i, v := range values {
		if v != "" || exact {
			q = q.Where("? = ?", bun.Ident(columns[fieldIndex+i]), v)
			constrained = constrained || v != ""
		}
	}
	if !constrained {
		return fmt.Errorf("policy: refusing to remove every %s rule", ptype)
	}
	_, err := q.Exec(ctx)
	return err
}
