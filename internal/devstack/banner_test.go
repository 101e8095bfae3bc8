package devstack

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/app"
	"github.com/sokohub/sokohub/internal/config"
)

func TestBannerAsksForTheAdminLoginOnlyWhenUnset(t *testing.T) {
	banner := func(email, password string) string {
		var b bytes.Buffer
		s := &Stack{URL: "http://127.0.0.1:8080", App: &app.App{Config: &config.Config{AdminEmail: email, AdminPassword: password}}}
		s.Banner(&b)
		return b.String()
	}
	require.Contains(t, banner("", ""), "/admin   (platform admin: set SOKOHUB_ADMIN_EMAIL and SOKOHUB_ADMIN_PASSWORD)")
	set := banner("ops@sokohub.test", "ops-password-1")
	require.Contains(t, set, "/admin   (platform admin login: ops@sokohub.test / your SOKOHUB_ADMIN_PASSWORD)")
	require.NotContains(t, set, "set SOKOHUB_ADMIN_EMAIL")
	require.NotContains(t, set, "ops-password-1", "the password is never printed")
}
