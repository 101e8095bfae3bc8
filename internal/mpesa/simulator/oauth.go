package simulator

import (
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// tokenLifetime is the lifetime Daraja announces as expires_in "3599".
const tokenLifetime = 3599 * time.Second

// app is a Daraja app: one consumer key/secret pair and its current token.
type app struct {
	key, secret string
	token       string // current access token; minting a new one revokes it
	expires     time.Time
	mints       int
}

// RegisterApp adds the app credentials key/secret, or changes the secret of
// an existing app (its token and mint count are kept).
func (s *Simulator) RegisterApp(key, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.apps[key]; ok {
		a.secret = secret
		return
	}
	s.apps[key] = &app{key: key, secret: secret}
}

// Mints returns how many access tokens the app with consumer key key has
// minted, and whether that app exists.
func (s *Simulator) Mints(key string) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.apps[key]
	if !ok {
		return 0, false
	}
	return a.mints, true
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   string `json:"expires_in"` // a string on the wire
}

// handleOAuth serves GET /oauth/v1/generate?grant_type=client_credentials.
func (s *Simulator) handleOAuth(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeDarajaError(w, errMethod)
		return
	}
	key, secret, ok := basicAuth(r.Header.Get("Authorization"))
	if !ok {
		writeDarajaError(w, &darajaError{http.StatusBadRequest, codeInvalidAuth, msgInvalidAuth})
		return
	}
	if r.URL.Query().Get("grant_type") != "client_credentials" {
		writeDarajaError(w, &darajaError{http.StatusBadRequest, codeInvalidGrant, msgInvalidGrant})
		return
	}

	s.mu.Lock()
	a, ok := s.apps[key]
	if !ok || a.secret != secret {
		s.mu.Unlock()
		// Seen on the sandbox: wrong credentials get a 400 with no body.
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	delete(s.tokens, a.token)
	a.token = s.newTokenLocked()
	a.expires = s.now().Add(tokenLifetime)
	a.mints++
	s.tokens[a.token] = a
	token := a.token
	s.mu.Unlock()

	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: token, ExpiresIn: "3599"})
}

// basicAuth parses an "Authorization: Basic base64(key:secret)" header.
func basicAuth(header string) (key, secret string, ok bool) {
	scheme, encoded, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// authorized reports whether r carries a current, unexpired Bearer token.
func (s *Simulator) authorized(r *http.Request) bool {
	scheme, token, found := strings.Cut(r.Header.Get("Authorization"), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.tokens[strings.TrimSpace(token)]
	return ok && s.now().Before(a.expires)
}
