package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadMedia(t *testing.T) {
	t.Parallel()
	m, err := loadMedia(env(nil))
	require.NoError(t, err)
	require.Equal(t, MediaDisk, m.Store, "disk by default")

	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	s3 := map[string]string{"SOKOHUB_MEDIA_STORE": "S3", "SOKOHUB_S3_ENDPOINT": "https://s3.eu-west-1.amazonaws.com/",
		"SOKOHUB_S3_BUCKET": "soko-media", "SOKOHUB_S3_REGION": "eu-west-1", "SOKOHUB_S3_ACCESS_KEY_ID": "AKIAEXAMPLE",
		"SOKOHUB_S3_SECRET_ACCESS_KEY": secret}
	m, err = loadMedia(env(s3))
	require.NoError(t, err)
	require.Equal(t, MediaS3, m.Store)
	require.Equal(t, "https://s3.eu-west-1.amazonaws.com", m.S3.Endpoint)
	require.Equal(t, "soko-media", m.S3.Bucket)
	require.Equal(t, "eu-west-1", m.S3.Region)
	require.Equal(t, "AKIAEXAMPLE", m.S3.AccessKeyID)
	require.Equal(t, secret, m.S3.SecretAccessKey)
	require.False(t, m.S3.PathStyle, "the client chooses unless told")
	require.NotContains(t, m.S3.String(), secret, "the description leaves the keys out")

	for name, bad := range map[string]struct{ variable, value string }{
		"unknown store":     {"SOKOHUB_MEDIA_STORE", "ftp"},
		"no endpoint":       {"SOKOHUB_S3_ENDPOINT", ""},
		"endpoint no URL":   {"SOKOHUB_S3_ENDPOINT", "s3.amazonaws.com"},
		"bucket in path":    {"SOKOHUB_S3_ENDPOINT", "http://127.0.0.1:9000/soko-media"},
		"no bucket":         {"SOKOHUB_S3_BUCKET", ""},
		"bad bucket":        {"SOKOHUB_S3_BUCKET", "Soko_Media"},
		"no key id":         {"SOKOHUB_S3_ACCESS_KEY_ID", ""},
		"no secret":         {"SOKOHUB_S3_SECRET_ACCESS_KEY", ""},
		"path style typo":   {"SOKOHUB_S3_PATH_STYLE", "yes"},
		"path style w/disk": {"SOKOHUB_S3_PATH_STYLE", "1"},
	} {
		m := map[string]string{}
		for k, v := range s3 {
			m[k] = v
		}
		m[bad.variable] = bad.value
		if name == "path style w/disk" {
			m["SOKOHUB_MEDIA_STORE"] = ""
		}
		_, err := loadMedia(env(m))
		require.ErrorContains(t, err, bad.variable, name)
		require.NotContains(t, err.Error(), secret, name)
	}

	s3["SOKOHUB_S3_ENDPOINT"], s3["SOKOHUB_S3_PATH_STYLE"], s3["SOKOHUB_S3_REGION"] = "http://minio.internal:9000", "true", ""
	m, err = loadMedia(env(s3))
	require.NoError(t, err, "plain HTTP inside the network is allowed: SigV4 never sends the secret")
	require.True(t, m.S3.PathStyle)
	require.Empty(t, m.S3.Region, "empty: the client asks the service")
	delete(s3, "SOKOHUB_MEDIA_STORE")
	m, err = loadMedia(env(s3))
	require.NoError(t, err)
	require.Equal(t, MediaDisk, m.Store, "S3 settings alone do not switch the store")
}

// TestVariablesListMediaSettings: they are read whatever the store, so a
// deployment file setting them is not refused as unknown.
func TestVariablesListMediaSettings(t *testing.T) {
	t.Parallel()
	vars := Variables()
	for _, v := range []string{"SOKOHUB_MEDIA_STORE", "SOKOHUB_S3_ENDPOINT", "SOKOHUB_S3_BUCKET", "SOKOHUB_S3_REGION",
		"SOKOHUB_S3_ACCESS_KEY_ID", "SOKOHUB_S3_SECRET_ACCESS_KEY", "SOKOHUB_S3_PATH_STYLE"} {
		require.Contains(t, vars, v)
	}
}
