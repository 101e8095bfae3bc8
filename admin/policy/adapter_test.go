package policy_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/auth"
	"github.com/sokohub/sokohub/internal/db/dbtest"
	"github.com/sokohub/sokohub/tenants/stores"
)

// TestPolicyPersists: role changes made through one enforcer are stored
// (store roles as store_members rows) and load into a fresh one; the
// route rules are in the database too.
func TestPolicyPersists(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	users := auth.NewService(d)
	owner, err := users.CreateUser(ctx, "owner@example.com", "correct horse", "Owner")
	require.NoError(t, err)
	clerk, err := users.CreateUser(ctx, "clerk@example.com", "correct horse", "Clerk")
	require.NoError(t, err)
	st, err := stores.Create(ctx, d, owner.ID, "persist", "Persist")
	require.NoError(t, err)

	first, err := policy.New(d)
	require.NoError(t, err)
	require.Equal(t, policy.RoleOwner, first.StoreRole(owner.ID, st.ID), "stores.Create's membership is a g rule")
	require.NoError(t, first.SetStoreRole(clerk.ID, st.ID, policy.RoleStaff))
	require.NoError(t, first.SetPlatformRole(clerk.ID, policy.RolePlatformSupport))
	role, err := stores.Role(ctx, d, st.ID, clerk.ID)
	require.NoError(t, err)
	require.Equal(t, policy.RoleStaff, role, "written to store_members")
	n, err := d.NewSelect().Table("casbin_rules").Where("ptype = 'p'").Count(ctx)
	require.NoError(t, err)
	require.Greater(t, n, int64(100), "the route rules are stored")

	second, err := policy.New(d)
	require.NoError(t, err)
	require.Equal(t, policy.RoleStaff, second.StoreRole(clerk.ID, st.ID))
	require.Equal(t, policy.RolePlatformSupport, second.PlatformRole(clerk.ID))
	ok, err := second.Allowed([]string{clerk.ID}, st.ID, "/api/v1/stores/:slug/orders", "GET")
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = second.Allowed([]string{clerk.ID}, st.ID, "/api/v1/stores/:slug/mpesa", "GET")
	require.NoError(t, err)
	require.False(t, ok, "staff never see credentials, nor does support")

	require.NoError(t, second.SetStoreRole(clerk.ID, st.ID, policy.RoleOwner))
	role, err = stores.Role(ctx, d, st.ID, clerk.ID)
	require.NoError(t, err)
	require.Equal(t, policy.RoleOwner, role, "a role change replaces the row")
	require.NoError(t, second.RemoveFromStore(clerk.ID, st.ID))
	_, err = stores.Role(ctx, d, st.ID, clerk.ID)
	require.Error(t, err, "removed from store_members")

	third, err := policy.New(d)
	require.NoError(t, err)
	require.Empty(t, third.StoreRole(clerk.ID, st.ID))
	n2, err := d.NewSelect().Table("casbin_rules").Where("ptype = 'p'").Count(ctx)
	require.NoError(t, err)
	require.Equal(t, n, n2, "starting again adds no rule twice")
}

// TestAdapterRefusesBulkRewrites: SavePolicy and a filter that matches
// everything are refused rather than rewriting or emptying the policy.
func TestAdapterRefusesBulkRewrites(t *testing.T) {
	a := policy.NewAdapter(dbtest.Open(t))
	m, err := model.NewModelFromString("[request_definition]\nr = sub\n[policy_definition]\np = sub\n[policy_effect]\ne = some(where (p.eft == allow))\n[matchers]\nm = r.sub == p.sub")
	require.NoError(t, err)
	require.Error(t, a.SavePolicy(m))
	require.Error(t, a.RemoveFilteredPolicy("g", "g", 0, "", ""))
	require.Error(t, a.RemoveFilteredPolicy("p", "p", 0))
	require.Error(t, a.AddPolicy("g", "g", []string{"only-two", "values"}))
}

// TestWatcherReloadsOtherReplicas: a role given on one replica is seen by
// another through the Redis watcher.
func TestWatcherReloadsOtherReplicas(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	replica := func() *policy.Enforcer {
		e, err := policy.New(d)
		require.NoError(t, err)
		w, err := policy.NewWatcher(ctx, rdb, "test")
		require.NoError(t, err)
		t.Cleanup(w.Close)
		require.NoError(t, e.SetWatcher(w))
		return e
	}
	a, b := replica(), replica()
	u, err := auth.NewService(d).CreateUser(ctx, "ops@example.com", "correct horse", "Ops")
	require.NoError(t, err)
	require.NoError(t, a.SetPlatformRole(u.ID, policy.RolePlatformAdmin))
	deadline := time.Now().Add(30 * time.Second)
	for b.PlatformRole(u.ID) != policy.RolePlatformAdmin {
		require.True(t, time.Now().Before(deadline), "the other replica never reloaded")
		time.Sleep(20 * time.Millisecond)
	}
}
