package simulator

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const generatePath = "/oauth/v1/generate?grant_type=client_credentials"

func TestOAuth(t *testing.T) {
	t.Parallel()

	t.Run("MintsTokenWithStringExpiresIn", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, body := b.do(t, http.MethodGet, generatePath, basicHeader(DefaultConsumerKey, DefaultConsumerSecret), nil)
		require.Equal(t, http.StatusOK, status)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &m))
		require.Len(t, m, 2)
		require.Equal(t, "3599", m["expires_in"], "expires_in is a JSON string")
		require.Len(t, m["access_token"], 28)
	})

	t.Run("WrongSecretIs400WithEmptyBody", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		for _, h := range []http.Header{
			basicHeader(DefaultConsumerKey, "nope"),
			basicHeader("unknown", DefaultConsumerSecret),
		} {
			status, body := b.do(t, http.MethodGet, generatePath, h, nil)
			require.Equal(t, http.StatusBadRequest, status)
			require.Empty(t, body)
		}
	})

	t.Run("NotBasicSchemeIsInvalidAuthentication", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		for _, h := range []http.Header{
			nil,
			bearer("abc"),
			{"Authorization": {"Basic !!!not-base64"}},
		} {
			status, body := b.do(t, http.MethodGet, generatePath, h, nil)
			requireDarajaError(t, status, body, http.StatusBadRequest, "400.008.01", "Invalid Authentication passed")
		}
	})

	t.Run("BadGrantType", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		for _, path := range []string{"/oauth/v1/generate", "/oauth/v1/generate?grant_type=password"} {
			status, body := b.do(t, http.MethodGet, path, basicHeader(DefaultConsumerKey, DefaultConsumerSecret), nil)
			requireDarajaError(t, status, body, http.StatusBadRequest, "400.008.02", "Invalid grant type passed")
		}
	})

	t.Run("NewTokenInvalidatesThePreviousOne", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		first := b.token(t)
		second := b.token(t)
		require.NotEqual(t, first, second)

		status, body := b.do(t, http.MethodPost, "/mpesa/stkpush/v1/processrequest", bearer(first), b.pushBody(nil))
		requireDarajaError(t, status, body, http.StatusNotFound, "404.001.03", "Invalid Access Token")
		status, body = b.do(t, http.MethodPost, "/mpesa/stkpushquery/v1/query", bearer(first), b.queryBody("ws_CO_x"))
		requireDarajaError(t, status, body, http.StatusNotFound, "404.001.03", "Invalid Access Token")

		b.push(t, second, b.pushBody(nil))
	})

	t.Run("ExpiredTokenIsInvalid", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		tok := b.token(t)
		b.clock.Advance(3599 * time.Second)
		status, body := b.do(t, http.MethodPost, "/mpesa/stkpush/v1/processrequest", bearer(tok), b.pushBody(nil))
		requireDarajaError(t, status, body, http.StatusNotFound, "404.001.03", "Invalid Access Token")
	})

	t.Run("CountsMintsPerApp", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, body := b.do(t, http.MethodPost, "/simulator/v1/apps", nil,
			map[string]string{"consumer_key": "tenant-a", "consumer_secret": "s3cret"})
		require.Equal(t, http.StatusCreated, status, body)

		for range 3 {
			b.token(t)
		}
		status, body = b.do(t, http.MethodGet, generatePath, basicHeader("tenant-a", "s3cret"), nil)
		require.Equal(t, http.StatusOK, status, body)
		b.do(t, http.MethodGet, generatePath, basicHeader("tenant-a", "wrong"), nil) // not a mint

		status, body = b.do(t, http.MethodGet, "/simulator/v1/apps/"+DefaultConsumerKey+"/mints", nil, nil)
		require.Equal(t, http.StatusOK, status)
		require.JSONEq(t, `{"mints":3}`, body)
		_, body = b.do(t, http.MethodGet, "/simulator/v1/apps/tenant-a/mints", nil, nil)
		require.JSONEq(t, `{"mints":1}`, body)
		status, _ = b.do(t, http.MethodGet, "/simulator/v1/apps/nobody/mints", nil, nil)
		require.Equal(t, http.StatusNotFound, status)
	})

	t.Run("NonGETIsMethodNotAllowed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{})
		status, body := b.do(t, http.MethodPost, generatePath, basicHeader(DefaultConsumerKey, DefaultConsumerSecret), nil)
		requireDarajaError(t, status, body, http.StatusMethodNotAllowed, "405.001", "Method Not Allowed")
	})
}
