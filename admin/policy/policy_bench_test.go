package policy

import (
	"strconv"
	"testing"

	"github.com/sokohub/sokohub/internal/db/dbtest"
)

// BenchmarkAllowed is the gate's decision for a merchant's request, with
// one store and with 100,000 stores' role assignments loaded: the check
// must not grow with the number of tenants.
func BenchmarkAllowed(b *testing.B) {
	var obj, act string
	for _, r := range rules() {
		if r[0] == RoleOwner {
			obj, act = r[1], r[2]
			break
		}
	}
	for _, n := range []int{1, 100_000} {
		b.Run("stores="+strconv.Itoa(n), func(b *testing.B) {
			enf, err := New(dbtest.Open(b))
			if err != nil {
				b.Fatal(err)
			}
			// Loaded as LoadPolicy would, without writing 100,000 rows.
			enf.e.EnableAutoSave(false)
			gs := make([][]string, n)
			for i := range gs {
				gs[i] = []string{"usr_" + strconv.Itoa(i), RoleOwner, "sto_" + strconv.Itoa(i)}
			}
			if _, err := enf.e.AddGroupingPolicies(gs); err != nil {
				b.Fatal(err)
			}
			// other is a store the user has no role in: a denial, which
			// tries every rule before it answers no.
			user, own, other := "usr_"+strconv.Itoa(n/2), "sto_"+strconv.Itoa(n/2), "sto_none"
			b.Run("OwnStore", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if ok, err := enf.Allowed([]string{user}, own, obj, act); !ok || err != nil {
						b.Fatal("owner refused", err)
					}
				}
			})
			b.Run("OtherStore", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if ok, err := enf.Allowed([]string{user}, other, obj, act); ok || err != nil {
						b.Fatal("another store's owner allowed", err)
					}
				}
			})
			b.Run("Covers", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if !enf.Covers(obj, act) {
						b.Fatal("route not covered")
					}
				}
			})
		})
	}
}
