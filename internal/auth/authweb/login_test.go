package authweb

import "testing"

func TestSafeNextStaysOnSite(t *testing.T) {
	t.Parallel()
	for next, want := range map[string]string{
		"/dashboard/demo/orders": "/dashboard/demo/orders", "/admin?x=1": "/admin?x=1",
		"//evil.example": "", "/\t/evil.example": "", "/\\evil.example": "", "/\n/evil.example": "",
		"https://evil.example": "", "evil.example": "", "": "", "/%09/evil.example": "/%09/evil.example",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
