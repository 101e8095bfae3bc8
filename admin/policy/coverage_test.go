package policy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sokohub/sokohub/admin/policy"
	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// TestEveryRouteHasAPolicy walks the gateway's routes: each must be in
// the policy (rules.go), and each policy entry must name a real route, so
// a typo cannot leave a route denied or an entry dead.
func TestEveryRouteHasAPolicy(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	routes := map[string]bool{}
	for _, r := range stack.Gateway.GetRoutes(true) {
		if r.Method == http.MethodHead || strings.HasPrefix(r.Path, "/daraja") {
			continue // HEAD is checked as GET; the dev simulator is a mounted app
		}
		key := r.Method + " " + r.Path
		routes[key] = true
		assert.True(t, stack.App.Policy.Covers(r.Path, r.Method), "%s has no policy entry: add it to admin/policy/rules.go", key)
	}
	for _, r := range policy.Routes {
		assert.True(t, routes[r.Method+" "+r.Path], "rules.go lists %s %s, which the gateway does not serve", r.Method, r.Path)
	}
	for key := range policy.Audited {
		assert.True(t, routes[key], "Audited lists %s, which the gateway does not serve", key)
	}
}
