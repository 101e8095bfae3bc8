package e2e

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
)

// TestSessionLogin covers the browser login: the cookie's flags, generic
// failures, CSRF on every form, the console's no-store pages, logout.
func TestSessionLogin(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{Env: adminEnv})
	c := client{t: t, base: stack.URL}
	shop := setupShop(t, c, "session")
	shop.order(t, "0712 345 678", 1) // something in the queues
	b := newBrowser(t, stack.URL)

	res := b.get("/admin")
	require.Equal(t, 303, res.Status, "anonymous: to the login page")
	require.Equal(t, "/login?next=%2Fadmin", res.Header.Get("Location"))

	form := b.get("/login")
	bad := b.post("/login", url.Values{"_csrf": {form.csrf(t)}, "email": {adminEmail}, "password": {"wrong-password"}})
	require.Equal(t, 401, bad.Status)
	require.Contains(t, bad.Body, "Email or password is wrong.")
	nobody := b.post("/login", url.Values{"_csrf": {form.csrf(t)}, "email": {"nobody@sokohub.test"}, "password": {"wrong-password"}})
	require.Equal(t, 401, nobody.Status)
	require.Contains(t, nobody.Body, "Email or password is wrong.", "the same words whether or not the account exists")
	forged := b.post("/login", url.Values{"_csrf": {"forged"}, "email": {adminEmail}, "password": {adminPassword}})
	require.Equal(t, 403, forged.Status, "the login form has a CSRF token too")

	in := b.login(adminEmail, adminPassword, "/admin")
	require.Equal(t, 303, in.Status, "%s", in.Body)
	require.Equal(t, "/admin", in.Header.Get("Location"))
	cookie := in.Header.Values("Set-Cookie")
	var session string
	for _, sc := range cookie {
		if strings.HasPrefix(sc, "sokohub_session=") {
			session = sc
		}
	}
	require.NotEmpty(t, session, "%v", cookie)
	require.Contains(t, strings.ToLower(session), "httponly")
	require.Contains(t, strings.ToLower(session), "samesite=lax")
	require.NotContains(t, strings.ToLower(session), "secure", "plain-HTTP dev: Secure comes with an https public URL")

	console := b.get("/admin")
	require.Equal(t, 200, console.Status, "%s", console.Body)
	require.Contains(t, console.Body, "session")
	require.Equal(t, "no-store", console.Header.Get("Cache-Control"))

	noToken := b.post("/admin/stores/session/suspend", url.Values{"reason": {"fraud reports"}})
	require.Equal(t, 403, noToken.Status, "a form without the CSRF token is refused")
	require.Contains(t, c.do("GET", "/api/v1/storefront/session/products", nil).json(t), "data", "and nothing changed")

	done := b.post("/admin/stores/session/suspend", url.Values{"reason": {"fraud reports"}, "_csrf": {console.csrf(t)}})
	require.Equal(t, 303, done.Status, "%s", done.Body)
	storePage := b.get("/admin/stores/session")
	require.Contains(t, storePage.Body, `id="store-status" class="bad">suspended`)
	require.Contains(t, storePage.Body, "fraud reports")

	queues := b.get("/admin/queues")
	require.Equal(t, 200, queues.Status)
	require.Contains(t, queues.Body, ":critical", "the stack's own queues")
	run := b.post("/admin/queues/someone-else:critical/archived/run", url.Values{"_csrf": {console.csrf(t)}})
	require.Equal(t, 404, run.Status, "another deployment's queues are not ours to touch")

	out := b.post("/logout", url.Values{"_csrf": {console.csrf(t)}})
	require.Equal(t, 303, out.Status)
	require.Equal(t, 303, b.get("/admin").Status, "logged out")
}

// TestLoginRateLimit: failed logins are limited per account and the
// limit answers the same for the right password.
func TestLoginRateLimit(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	person(t, c, "limited@example.com")
	for range 5 {
		r := c.do("POST", "/api/v1/login", map[string]any{"email": "limited@example.com", "password": "not it at all"})
		require.Equal(t, 401, r.Status)
	}
	r := c.do("POST", "/api/v1/login", map[string]any{"email": "limited@example.com", "password": "correct horse"})
	require.Equal(t, 429, r.Status, "%s", r.Body)
	require.Equal(t, "rate_limited", dig(r.json(t), "error", "code"))
	ok := c.do("POST", "/api/v1/login", map[string]any{"email": "other@example.com", "password": "correct horse"})
	require.Equal(t, 401, ok.Status, "another account from the same address is not locked yet")
}

// TestAdminAPI: the console's JSON routes exactly as the issue writes
// them, 401 without a token and 403 for a role that may not.
func TestAdminAPI(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{Env: adminEnv})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "apishop")
	setupShop(t, c, "othershop")
	admin := bearer(t, c, adminEmail, adminPassword)
	supportID, support := person(t, c, "support@sokohub.test")
	makeSupport(t, stack, supportID)

	for _, p := range []string{"/api/v1/admin/stores", "/api/v1/admin/stores/apishop", "/api/v1/admin/audit"} {
		require.Equal(t, 401, c.do("GET", p, nil).Status, p)
		require.Equal(t, 403, c.do("GET", p, nil, s.auth...).Status, "%s as a merchant", p)
	}
	require.Equal(t, 401, c.do("POST", "/api/v1/admin/stores/apishop/suspend", map[string]any{"reason": "x"}).Status)
	require.Equal(t, 403, c.do("POST", "/api/v1/admin/stores/apishop/suspend", map[string]any{"reason": "support may not"}, support...).Status)

	id, token := s.order(t, "0712 345 678", 1)
	s.waitPayment(t, id, token, "succeeded")

	r := c.do("GET", "/api/v1/admin/stores?q=apishop", nil, support...)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	data := r.json(t)["data"].([]any)
	require.Len(t, data, 1)
	row := data[0].(map[string]any)
	require.Equal(t, "apishop", row["slug"])
	require.Equal(t, "apishop@example.com", row["owner"])
	require.Equal(t, "active", row["status"])
	require.EqualValues(t, 150000, num(row["paid_volume_30d"]))
	require.Equal(t, "ok", dig(row, "health", "payments"))
	require.Equal(t, "ok", dig(row, "health", "webhooks"))

	page := c.do("GET", "/api/v1/admin/stores?per_page=1&page=2", nil, admin...).json(t)
	require.Len(t, page["data"], 1)
	require.EqualValues(t, 3, num(page["total"]), "with the dev stack's demo store")

	d := c.do("GET", "/api/v1/admin/stores/apishop", nil, support...)
	require.Equal(t, 200, d.Status, "%s", d.Body)
	detail := d.json(t)
	for _, k := range []string{"orders", "attempts", "callbacks", "deliveries", "members"} {
		require.NotEmpty(t, detail[k], k)
	}

	sus := c.do("POST", "/api/v1/admin/stores/apishop/suspend", map[string]any{"reason": "chargebacks"}, admin...)
	require.Equal(t, 200, sus.Status, "%s", sus.Body)
	require.Equal(t, "suspended", sus.json(t)["status"])
	require.Equal(t, 409, c.do("POST", "/api/v1/admin/stores/apishop/suspend", map[string]any{"reason": "again"}, admin...).Status)
	require.Equal(t, 400, c.do("POST", "/api/v1/admin/stores/apishop/suspend", map[string]any{}, admin...).Status, "a reason is required")
	closed := c.do("GET", "/api/v1/storefront/apishop/products", nil)
	require.Equal(t, 403, closed.Status, "a suspended shop's catalogue is closed: %s", closed.Body)
	require.Equal(t, "store_unavailable", dig(closed.json(t), "error", "code"))
	require.Equal(t, 200, c.do("GET", "/api/v1/storefront/apishop/orders/"+id, nil, "X-Order-Token", token).Status,
		"the customer still sees their order")
	re := c.do("POST", "/api/v1/admin/stores/apishop/reactivate", nil, admin...)
	require.Equal(t, 200, re.Status, "%s", re.Body)
	require.Equal(t, "active", re.json(t)["status"])
	require.Equal(t, 200, c.do("GET", "/api/v1/storefront/apishop/products", nil).Status, "open again")

	a := c.do("GET", "/api/v1/admin/audit?store=apishop&action=store.suspend", nil, support...)
	require.Equal(t, 200, a.Status, "%s", a.Body)
	entries := a.json(t)["data"].([]any)
	require.Len(t, entries, 4, "support's refused, the one done, the repeat and the one without a reason: %s", a.Body)
	var outcomes []string
	for _, e := range entries {
		m := e.(map[string]any)
		require.ElementsMatch(t, []string{"actor", "subject", "store", "action", "ip", "at", "outcome"}, keys(m))
		require.Equal(t, "apishop", m["store"])
		require.Equal(t, "127.0.0.1", m["ip"])
		outcomes = append(outcomes, str(m["actor"])+":"+str(m["outcome"]))
	}
	require.Contains(t, outcomes, adminEmail+":ok")
	require.Contains(t, outcomes, "support@sokohub.test:denied")
	require.Len(t, c.do("GET", "/api/v1/admin/audit?action=store.", nil, admin...).json(t)["data"], 5, "four suspensions and the reactivation")
	own := c.do("GET", "/api/v1/stores/apishop/audit", nil, s.auth...)
	require.Equal(t, 200, own.Status, "merchants see their own store's entries")
	require.NotEmpty(t, own.json(t)["data"])
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// TestSuspensionEffects: a suspended store's storefront, checkout,
// retries, API keys and staff are refused; its owner may still look;
// a payment already in flight still settles and its webhook still goes.
func TestSuspensionEffects(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{Env: adminEnv})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "paused")
	admin := bearer(t, c, adminEmail, adminPassword)
	staffID, staff := person(t, c, "staff@example.com")
	staffOf(t, stack, "paused", staffID)
	k := c.do("POST", "/api/v1/stores/paused/keys", map[string]any{"name": "ERP", "scopes": []string{"orders:read"}}, s.auth...)
	require.Equal(t, 201, k.Status, "%s", k.Body)
	key := []string{"Authorization", "Bearer " + str(k.json(t)["key"])}
	require.Equal(t, 200, c.do("GET", "/api/v1/stores/paused/orders", nil, key...).Status)
	require.Equal(t, 200, c.do("GET", "/api/v1/stores/paused/orders", nil, staff...).Status)

	// 254700000007 waits for an answer: the payment is in flight.
	id, token := s.order(t, "254700000007", 1)
	s.waitPayment(t, id, token, "prompted")
	checkoutID := str(s.merchantOrder(t, id)["payments"].([]any)[0].(map[string]any)["checkout_request_id"])

	require.Equal(t, 200, c.do("POST", "/api/v1/admin/stores/paused/suspend", map[string]any{"reason": "KYC review"}, admin...).Status)

	r := c.do("POST", "/api/v1/storefront/paused/orders", map[string]any{
		"items": []map[string]any{{"product_id": s.productID, "quantity": 1}}, "phone": "0712345678"})
	require.Equal(t, 403, r.Status, "%s", r.Body)
	require.Equal(t, "store_unavailable", dig(r.json(t), "error", "code"))
	require.Equal(t, 403, c.do("GET", "/s/paused", nil).Status, "the storefront says it is unavailable")
	retry := c.do("POST", "/api/v1/storefront/paused/orders/"+id+"/payments", map[string]any{"phone": "0712345678"}, "X-Order-Token", token)
	require.Equal(t, 403, retry.Status, "%s", retry.Body)

	for who, h := range map[string][]string{"key": key, "staff": staff} {
		r := c.do("GET", "/api/v1/stores/paused/orders", nil, h...)
		require.Equal(t, 403, r.Status, "%s: %s", who, r.Body)
		require.Equal(t, "store_suspended", dig(r.json(t), "error", "code"))
	}
	require.Equal(t, 200, c.do("GET", "/api/v1/stores/paused/orders", nil, s.auth...).Status, "the owner may look")
	w := c.do("POST", "/api/v1/stores/paused/products", map[string]any{"name": "Mug", "price": 50000, "currency": "KES", "stock": 1}, s.auth...)
	require.Equal(t, 403, w.Status, "but not change anything: %s", w.Body)
	require.Equal(t, 200, c.do("GET", "/api/v1/stores/paused/orders", nil, admin...).Status, "the platform may act")

	ans := c.do("POST", "/daraja/simulator/v1/transactions/"+checkoutID+"/answer", map[string]any{"action": "pin"})
	require.Equal(t, 200, ans.Status, "%s", ans.Body)
	s.waitPayment(t, id, token, "succeeded")
	eventually(t, "order.paid webhook of the suspended store", func() bool { return len(s.hook.ofType("order.paid")) == 1 })

	require.Equal(t, 200, c.do("POST", "/api/v1/admin/stores/paused/reactivate", map[string]any{"reason": "KYC done"}, admin...).Status)
	require.Equal(t, 200, c.do("GET", "/api/v1/stores/paused/orders", nil, key...).Status, "reversible")
	s.order(t, "0712 345 678", 1)
}

// TestCredentialsMaskedAndAudited: M-Pesa credentials are set, rotated
// and tested by owners and platform admins, never shown again (nor
// logged), and every view, change and test is in the audit log.
func TestCredentialsMaskedAndAudited(t *testing.T) {
	var captured logs
	stack := stacktest.Start(t, stacktest.Options{Env: adminEnv, Log: &captured})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "vault")
	admin := bearer(t, c, adminEmail, adminPassword)
	staffID, staff := person(t, c, "cashier@example.com")
	staffOf(t, stack, "vault", staffID)
	var bodies []string
	do := func(method, path string, body any, h []string) reply {
		r := c.do(method, path, body, h...)
		bodies = append(bodies, string(r.Body))
		return r
	}

	test := do("POST", "/api/v1/stores/vault/mpesa/test", nil, s.auth)
	require.Equal(t, 200, test.Status, "%s", test.Body)
	require.Equal(t, true, test.json(t)["ok"], "%s", test.Body)
	require.Contains(t, str(test.json(t)["verdict"]), "accepted")

	const rotated = "rotated-consumer-secret-9f3a"
	put := do("PUT", "/api/v1/stores/vault/mpesa", map[string]any{"environment": "sandbox", "type": "paybill", "shortcode": "174379",
		"passkey": sandboxPasskey, "consumer_key": "sim-consumer-key", "consumer_secret": rotated}, admin)
	require.Equal(t, 200, put.Status, "a platform admin may rotate: %s", put.Body)
	require.Equal(t, "••••9f3a", put.json(t)["consumer_secret"])
	bad := do("POST", "/api/v1/stores/vault/mpesa/test", nil, s.auth)
	require.Equal(t, false, bad.json(t)["ok"], "the simulator does not know the rotated secret: %s", bad.Body)
	require.Contains(t, str(bad.json(t)["verdict"]), "refused")

	view := do("GET", "/api/v1/stores/vault/mpesa", nil, s.auth)
	require.Equal(t, 200, view.Status)
	require.Equal(t, 403, do("GET", "/api/v1/stores/vault/mpesa", nil, staff).Status, "staff never see credentials")
	require.Equal(t, 403, do("PUT", "/api/v1/stores/vault/mpesa", map[string]any{}, staff).Status)

	a := do("GET", "/api/v1/admin/audit?store=vault&action=credentials.", nil, admin)
	var got []string
	for _, e := range a.json(t)["data"].([]any) {
		m := e.(map[string]any)
		got = append(got, str(m["action"])+" "+str(m["actor"])+" "+str(m["outcome"]))
	}
	require.Subset(t, got, []string{
		"credentials.update vault@example.com ok", // setupShop
		"credentials.view vault@example.com ok",
		"credentials.test vault@example.com ok",
		"credentials.update " + adminEmail + " ok",
		"credentials.view cashier@example.com denied",
		"credentials.update cashier@example.com denied",
	}, "%v", got)

	secrets := []string{sandboxPasskey, "sim-consumer-secret", rotated, "sim-consumer-key"}
	for _, secret := range secrets {
		for _, b := range bodies {
			require.NotContains(t, b, secret, "a response shows a secret")
		}
		require.NotContains(t, captured.String(), secret, "a log line shows a secret")
	}
	var sealed string
	require.NoError(t, stack.App.DB.NewSelect().Table("mpesa_credentials").Column("secret_sealed").Where("store_id = (SELECT id FROM stores WHERE slug = 'vault')").Scan(context.Background(), &sealed))
	require.NotContains(t, sealed, rotated, "stored sealed")
	require.NotContains(t, captured.String(), "whsec_", "webhook secrets stay out of the logs too")
}

// TestAPIKeys: per-store keys with scopes, shown once, stored hashed,
// revocable, with their last use.
func TestAPIKeys(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "keyed")
	other := setupShop(t, c, "notkeyed")

	r := c.do("POST", "/api/v1/stores/keyed/keys", map[string]any{"name": "ERP", "scopes": []string{"orders:read", "products:write"}}, s.auth...)
	require.Equal(t, 201, r.Status, "%s", r.Body)
	m := r.json(t)
	raw := str(m["key"])
	require.Regexp(t, `^sk_[A-Za-z0-9_-]{40,}$`, raw)
	require.Equal(t, raw[len(raw)-4:], m["last4"])
	require.ElementsMatch(t, []any{"orders:read", "products:write"}, m["scopes"])
	require.Equal(t, 400, c.do("POST", "/api/v1/stores/keyed/keys", map[string]any{"name": "x", "scopes": []string{"admin"}}, s.auth...).Status)
	key := []string{"Authorization", "Bearer " + raw}

	require.Equal(t, 200, c.do("GET", "/api/v1/stores/keyed/orders", nil, key...).Status)
	require.Equal(t, 201, c.do("POST", "/api/v1/stores/keyed/products", map[string]any{"name": "Mug", "price": 50000, "currency": "KES", "stock": 3}, key...).Status)
	require.Equal(t, 403, c.do("GET", "/api/v1/stores/keyed/webhooks", nil, key...).Status, "no scope for webhooks")
	require.Equal(t, 403, c.do("GET", "/api/v1/stores/keyed/mpesa", nil, key...).Status)
	require.Equal(t, 403, c.do("POST", "/api/v1/stores", map[string]any{"slug": "bykey", "name": "By key"}, key...).Status)
	require.Equal(t, 404, c.do("GET", "/api/v1/stores/notkeyed/orders", nil, key...).Status, "another store answers like none")
	require.Equal(t, 404, c.do("GET", "/api/v1/stores/keyed/keys", nil, other.auth...).Status, "another store's owner sees nothing")

	list := c.do("GET", "/api/v1/stores/keyed/keys", nil, s.auth...)
	require.Equal(t, 200, list.Status)
	require.NotContains(t, string(list.Body), raw, "shown once")
	ks := list.json(t)["data"].([]any)
	require.Len(t, ks, 1)
	require.NotNil(t, ks[0].(map[string]any)["last_used_at"], "last use recorded")
	var stored string
	require.NoError(t, stack.App.DB.NewSelect().Table("api_keys").Column("key_hash").Scan(context.Background(), &stored))
	require.NotEqual(t, raw, stored)

	id := str(m["id"])
	require.Equal(t, 403, c.do("DELETE", "/api/v1/stores/keyed/keys/"+id, nil, key...).Status, "a key cannot revoke itself")
	rev := c.do("DELETE", "/api/v1/stores/keyed/keys/"+id, nil, s.auth...)
	require.Equal(t, 200, rev.Status, "%s", rev.Body)
	require.NotNil(t, rev.json(t)["revoked_at"])
	require.Equal(t, 401, c.do("GET", "/api/v1/stores/keyed/orders", nil, key...).Status, "revoked at once")
}

var inviteRe = regexp.MustCompile(`/invitations/(inv_[A-Za-z0-9_-]+)`)

// TestStaffLifecycle: the owner invites by email; the invitee accepts
// with a new account; staff work on orders and products only; the owner
// changes their role and removes them.
func TestStaffLifecycle(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "team")

	inv := c.do("POST", "/api/v1/stores/team/invitations", map[string]any{"email": "Akinyi@Example.com", "role": "staff"}, s.auth...)
	require.Equal(t, 201, inv.Status, "%s", inv.Body)
	// The email is the invitee's inbox: members listing the store's
	// messages see it redacted.
	for _, n := range c.do("GET", "/api/v1/stores/team/notifications", nil, s.auth...).json(t)["data"].([]any) {
		require.NotRegexp(t, inviteRe, str(n.(map[string]any)["body"]))
	}
	var body string
	require.NoError(t, stack.App.DB.NewSelect().Table("notifications").Column("body").
		Where("kind = 'staff_invitation' AND recipient = 'akinyi@example.com'").Scan(context.Background(), &body))
	link := inviteRe.FindStringSubmatch(body)[1]
	b := newBrowser(t, stack.URL)
	pg := b.get("/invitations/" + link)
	require.Equal(t, 200, pg.Status, "%s", pg.Body)
	require.Contains(t, pg.Body, "staff")
	acc := b.post("/invitations/"+link, url.Values{"name": {"Akinyi"}, "password": {"akinyi-password"}})
	require.Equal(t, 200, acc.Status, "%s", acc.Body)
	require.Contains(t, acc.Body, `id="joined"`)
	require.Equal(t, 404, b.post("/invitations/"+link, url.Values{"name": {"Again"}, "password": {"akinyi-password"}}).Status, "used once")

	staff := bearer(t, c, "akinyi@example.com", "akinyi-password")
	require.Equal(t, 200, c.do("GET", "/api/v1/stores/team/orders", nil, staff...).Status)
	require.Equal(t, 201, c.do("POST", "/api/v1/stores/team/products", map[string]any{"name": "Mug", "price": 50000, "currency": "KES", "stock": 3}, staff...).Status)
	for _, p := range []string{"/mpesa", "/webhooks", "/members", "/keys"} {
		require.Equal(t, 403, c.do("GET", "/api/v1/stores/team"+p, nil, staff...).Status, p)
	}
	require.Equal(t, 403, c.do("POST", "/api/v1/stores/team/invitations", map[string]any{"email": "x@example.com", "role": "staff"}, staff...).Status)

	ms := c.do("GET", "/api/v1/stores/team/members", nil, s.auth...).json(t)["data"].([]any)
	require.Len(t, ms, 2)
	var staffID string
	for _, m := range ms {
		if m.(map[string]any)["email"] == "akinyi@example.com" {
			staffID = str(m.(map[string]any)["user_id"])
		}
	}
	require.Equal(t, 200, c.do("PUT", "/api/v1/stores/team/members/"+staffID, map[string]any{"role": "owner"}, s.auth...).Status)
	require.Equal(t, 200, c.do("GET", "/api/v1/stores/team/mpesa", nil, staff...).Status, "now an owner")
	k := c.do("POST", "/api/v1/stores/team/keys", map[string]any{"name": "Akinyi's ERP", "scopes": []string{"orders:read"}}, staff...)
	require.Equal(t, 201, k.Status, "%s", k.Body)
	theirKey := []string{"Authorization", "Bearer " + str(k.json(t)["key"])}
	require.Equal(t, 200, c.do("GET", "/api/v1/stores/team/orders", nil, theirKey...).Status)
	require.Equal(t, 200, c.do("PUT", "/api/v1/stores/team/members/"+staffID, map[string]any{"role": "staff"}, s.auth...).Status)
	require.Equal(t, 403, c.do("GET", "/api/v1/stores/team/mpesa", nil, staff...).Status)
	var ownerID string
	for _, m := range ms {
		if m.(map[string]any)["role"] == "owner" {
			ownerID = str(m.(map[string]any)["user_id"])
		}
	}
	require.Equal(t, 409, c.do("DELETE", "/api/v1/stores/team/members/"+ownerID, nil, s.auth...).Status, "the owner stays")
	require.Equal(t, 204, c.do("DELETE", "/api/v1/stores/team/members/"+staffID, nil, s.auth...).Status)
	require.Equal(t, 404, c.do("GET", "/api/v1/stores/team/orders", nil, staff...).Status, "removed: the store is gone for them")
	require.Equal(t, 401, c.do("GET", "/api/v1/stores/team/orders", nil, theirKey...).Status, "and so are the keys they made")

	a := c.do("GET", "/api/v1/stores/team/audit?action=staff.", nil, s.auth...).json(t)["data"].([]any)
	require.Len(t, a, 6, "the invitation, the staff member's refused one, two role changes, the refused and the done removal")
}

// TestSupportAccess: a platform admin acts as a store's owner only with a
// reason, for at most an hour, with a banner; the owner is told, and the
// audit log records both the admin and the owner.
func TestSupportAccess(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{Env: adminEnv})
	c := client{t: t, base: stack.URL}
	s := setupShop(t, c, "helped")
	b := newBrowser(t, stack.URL)
	require.Equal(t, 303, b.login(adminEmail, adminPassword, "/admin").Status)
	pg := b.get("/admin/stores/helped")
	require.Equal(t, 200, pg.Status)

	short := b.post("/admin/stores/helped/support", url.Values{"_csrf": {pg.csrf(t)}, "reason": {"help"}})
	require.Equal(t, 400, short.Status, "a reason is required")
	start := b.post("/admin/stores/helped/support", url.Values{"_csrf": {pg.csrf(t)}, "reason": {"owner asked for help with M-Pesa setup"}})
	require.Equal(t, 303, start.Status, "%s", start.Body)
	banner := b.get("/admin")
	require.Contains(t, banner.Body, `id="support-banner"`)
	require.Contains(t, banner.Body, "helped@example.com")

	var created, expires time.Time
	require.NoError(t, stack.App.DB.NewSelect().Table("support_grants").Column("created_at", "expires_at").Scan(context.Background(), &created, &expires))
	require.LessOrEqual(t, expires.Sub(created), time.Hour)

	eventually(t, "the owner is told", func() bool {
		for _, n := range c.do("GET", "/api/v1/stores/helped/notifications", nil, s.auth...).json(t)["data"].([]any) {
			if n.(map[string]any)["kind"] == "support_access" {
				return strings.Contains(str(n.(map[string]any)["body"]), "owner asked for help")
			}
		}
		return false
	})

	require.Equal(t, 200, b.get("/api/v1/stores/helped/orders").Status, "the session works on the store's API")
	entries := c.do("GET", "/api/v1/stores/helped/audit", nil, s.auth...).json(t)["data"].([]any)
	var seen []string
	for _, e := range entries {
		m := e.(map[string]any)
		seen = append(seen, str(m["action"])+" "+str(m["actor"])+" as "+str(m["subject"]))
	}
	require.Contains(t, seen, "support.start "+adminEmail+" as "+adminEmail)
	require.Contains(t, seen, "support.request "+adminEmail+" as helped@example.com")

	end := b.post("/admin/support/end", url.Values{"_csrf": {banner.csrf(t)}})
	require.Equal(t, 303, end.Status)
	require.NotContains(t, b.get("/admin").Body, `id="support-banner"`)
}
