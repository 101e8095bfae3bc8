// Package policy is SokoHub's authorisation: a Casbin model of RBAC with
// domains (a store is a domain), its rules stored through a bun adapter,
// and the Fiber middleware that enforces it on every route.
//
// Subjects are user ids, role names and three pseudo-subjects: anonymous
// (everyone), authenticated (any signed-in user) and scope:<scope> (an API
// key carrying that scope). Objects are Fiber route templates
// ("/api/v1/stores/:slug/orders") and actions are HTTP methods, so a route
// that is not in the policy matches no rule and is denied.
//
// Role assignments: g(user, owner|staff, store id) binds a store role in
// that store's domain; g2(user, platform_admin|platform_support) binds a
// platform role, valid in every domain without any wildcard matching.
// Permissions (p rules) name roles, not domains: an owner may do the same
// things in each store they own.
package policy

// modelText is the Casbin model.
const modelText = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, obj, act

[role_definition]
g = _, _, _
g2 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.obj == p.obj && r.act == p.act && (g(r.sub, p.sub, r.dom) || g2(r.sub, p.sub))
`

// Roles and pseudo-subjects.
const (
	RolePlatformAdmin   = "platform_admin"
	RolePlatformSupport = "platform_support"
	RoleOwner           = "owner"
	RoleStaff           = "staff"
	Anonymous           = "anonymous"
	Authenticated       = "authenticated"
	scopePrefix         = "scope:"
)

// PlatformRoles are the roles a user holds across every store.
var PlatformRoles = []string{RolePlatformAdmin, RolePlatformSupport}

// StoreRoles are the roles a user holds in one store.
var StoreRoles = []string{RoleOwner, RoleStaff}

// Scope is the subject of an API key scope.
func Scope(s string) string { return scopePrefix + s }
