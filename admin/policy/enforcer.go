package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/uptrace/bun"
)

// Enforcer decides requests and changes role assignments. It wraps
// Casbin's SyncedEnforcer (safe for concurrent use) with AutoSave through
// the bun Adapter, so each change is stored as it is made.
type Enforcer struct {
	e  *casbin.SyncedEnforcer
	db bun.IDB
	r  refresher
}

// New loads the policy from idb and brings its permissions (p rules) in
// line with Routes: permissions are code, reviewed with the routes they
// guard, while role assignments (g, g2) are data and are left alone.
func New(idb bun.IDB) (*Enforcer, error) {
	m, err := model.NewModelFromString(modelText)
	if err != nil {
		return nil, fmt.Errorf("policy: model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, NewAdapter(idb))
	if err != nil {
		return nil, fmt.Errorf("policy: enforcer: %w", err)
	}
	enf := &Enforcer{e: e, db: idb}
	enf.r.denied = map[string]time.Time{}
	if err := enf.syncRules(); err != nil {
		return nil, err
	}
	return enf, nil
}

func (enf *Enforcer) syncRules() error {
	have, err := enf.e.GetPolicy()
	if err != nil {
		return err
	}
	want := rules()
	var add, drop [][]string
	for _, r := range want {
		if !containsRule(have, r) {
			add = append(add, r)
		}
	}
	for _, r := range have {
		if !containsRule(want, r) {
			drop = append(drop, r)
		}
	}
	if len(add) > 0 {
		if _, err := enf.e.AddPolicies(add); err != nil {
			return fmt.Errorf("policy: add rules: %w", err)
		}
	}
	if len(drop) > 0 {
		if _, err := enf.e.RemovePolicies(drop); err != nil {
			return fmt.Errorf("policy: remove rules: %w", err)
		}
	}
	return nil
}

func containsRule(rs [][]string, r []string) bool {
	return slices.ContainsFunc(rs, func(x []string) bool { return slices.Equal(x, r) })
}

// SetWatcher makes changes on other replicas reload this one's policy.
func (enf *Enforcer) SetWatcher(w persist.Watcher) error {
	if err := enf.e.SetWatcher(w); err != nil {
		return err
	}
	// Set after SetWatcher, which installs a callback of its own: reload
	// everything, and log nothing secret (the message is a replica id).
	return w.SetUpdateCallback(func(string) { _ = enf.Reload() })
}

// Reload reads the whole policy again (after a change made outside this
// enforcer, such as a store created by another process). Never per
// request: it rebuilds the model.
func (enf *Enforcer) Reload() error { return enf.changing(enf.e.LoadPolicy) }

// Allowed tells whether any of subjects may do act on obj in store dom
// ("" outside any store).
func (enf *Enforcer) Allowed(subjects []string, dom, obj, act string) (bool, error) {
	for _, s := range subjects {
		ok, err := enf.e.Enforce(s, dom, obj, act)
		if ok || err != nil {
			return ok, err
		}
	}
	return false, nil
}

// Covers tells whether the policy has any rule for obj and act, so a
// route nobody may call can be told from one the caller may not.
func (enf *Enforcer) Covers(obj, act string) bool {
	rs, err := enf.e.GetFilteredPolicy(1, obj, act)
	return err == nil && len(rs) > 0
}

// StoreRole returns userID's role in store storeID, or "".
func (enf *Enforcer) StoreRole(userID, storeID string) string {
	for _, r := range enf.e.GetRolesForUserInDomain(userID, storeID) {
		if slices.Contains(StoreRoles, r) {
			return r
		}
	}
	return ""
}

// PlatformRole returns userID's platform role, or "".
func (enf *Enforcer) PlatformRole(userID string) string {
	rs, err := enf.e.GetFilteredNamedGroupingPolicy("g2", 0, userID)
	if err != nil {
		return ""
	}
	for _, r := range rs {
		if slices.Contains(PlatformRoles, r[1]) {
			return r[1]
		}
	}
	return ""
}

// SetStoreRole makes userID a role member of store storeID, replacing any
// other role they had there.
func (enf *Enforcer) SetStoreRole(userID, storeID, role string) error {
	if !slices.Contains(StoreRoles, role) {
		return fmt.Errorf("policy: unknown store role %q", role)
	}
	return enf.changing(func() error { return enf.setStoreRole(userID, storeID, role) })
}

func (enf *Enforcer) setStoreRole(userID, storeID, role string) error {
	if old := enf.StoreRole(userID, storeID); old != "" && old != role {
		if _, err := enf.e.RemoveGroupingPolicy(userID, old, storeID); err != nil {
			return err
		}
	}
	_, err := enf.e.AddGroupingPolicy(userID, role, storeID)
	return err
}

// RemoveFromStore takes away userID's role in store storeID.
func (enf *Enforcer) RemoveFromStore(userID, storeID string) error {
	return enf.changing(func() error {
		if old := enf.StoreRole(userID, storeID); old != "" {
			_, err := enf.e.RemoveGroupingPolicy(userID, old, storeID)
			return err
		}
		return nil
	})
}

// SetPlatformRole gives userID a platform role, replacing another one.
func (enf *Enforcer) SetPlatformRole(userID, role string) error {
	if !slices.Contains(PlatformRoles, role) {
		return fmt.Errorf("policy: unknown platform role %q", role)
	}
	if old := enf.PlatformRole(userID); old != "" && old != role {
		if _, err := enf.e.RemoveNamedGroupingPolicy("g2", userID, old); err != nil {
			return err
		}
	}
	_, err := enf.e.AddNamedGroupingPolicy("g2", userID, role)
	return err
}
