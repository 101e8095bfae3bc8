package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sokohub/sokohub/internal/devstack/stacktest"
	"github.com/sokohub/sokohub/internal/outbox"
	"github.com/sokohub/sokohub/internal/webhooks"
)

// documented is the part of the OpenAPI document the test reads.
type documented struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Webhooks   map[string]json.RawMessage            `json:"webhooks"`
	Components struct {
		Schemas map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

var (
	fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)
	docParam   = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
	refRe      = regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([^"]+)"`)
)

const docFile = "internal/gateway/openapi.json"

// TestOpenAPIDocumentMatchesRoutes keeps GET /api/v1/openapi.json true:
// every route the gateway serves under /api/v1 (the admin console's
// /api/v1/admin aside) must be in the document, and the document must list
// no route that is not served.
func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	stack := stacktest.Start(t, stacktest.Options{})
	res, err := http.Get(stack.URL + "/api/v1/openapi.json")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, res.Header.Get("Content-Type"), "application/json")
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	var doc documented
	require.NoError(t, json.Unmarshal(raw, &doc), "%s is not valid JSON", docFile)
	require.Equal(t, "3.1.0", doc.OpenAPI)

	served := map[string]bool{}
	for _, r := range stack.Gateway.GetRoutes(true) {
		if r.Method == http.MethodHead || !strings.HasPrefix(r.Path, "/api/v1/") || strings.HasPrefix(r.Path, "/api/v1/admin") {
			continue
		}
		served[r.Method+" "+fiberParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	listed := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method != "parameters" {
				listed[strings.ToUpper(method)+" "+path] = true
			}
		}
	}

	var problems []string
	for _, key := range sortedKeys(served) {
		if !listed[key] {
			method, path, _ := strings.Cut(key, " ")
			problems = append(problems, fmt.Sprintf("%s is served but not documented: add to %s under \"paths\":\n"+
				"    %q: {%q: {\"summary\": \"…\", \"operationId\": \"…\", \"tags\": [\"…\"],%s \"responses\": {\"200\": {\"description\": \"…\"}}}}",
				key, docFile, path, strings.ToLower(method), paramsHint(path)))
		}
	}
	for _, key := range sortedKeys(listed) {
		if !served[key] {
			problems = append(problems, fmt.Sprintf("%s is documented in %s but not served: remove it, or fix its method or path", key, docFile))
		}
	}
	if len(problems) > 0 {
		t.Fatalf("the OpenAPI document and the routes differ:\n%s", strings.Join(problems, "\n"))
	}
}

// paramsHint spells the parameters object a path needs.
func paramsHint(path string) string {
	var ps []string
	for _, m := range docParam.FindAllStringSubmatch(path, -1) {
		ps = append(ps, fmt.Sprintf(`{"$ref": "#/components/parameters/%s"}`, m[1]))
	}
	if len(ps) == 0 {
		return ""
	}
	return ` "parameters": [` + strings.Join(ps, ", ") + "],"
}

// TestOpenAPIDocumentIsComplete checks what a reader relies on: every
// operation has a summary and responses, declares its path parameters,
// every schema reference resolves, and every webhook event is described.
func TestOpenAPIDocumentIsComplete(t *testing.T) {
	t.Parallel()
	raw, err := readDoc()
	require.NoError(t, err)
	var doc documented
	require.NoError(t, json.Unmarshal(raw, &doc))

	var problems []string
	for path, ops := range doc.Paths {
		shared := map[string]any{}
		if p, ok := ops["parameters"]; ok {
			_ = json.Unmarshal(p, &shared)
		}
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			var o struct {
				Summary    string                     `json:"summary"`
				Responses  map[string]json.RawMessage `json:"responses"`
				Parameters []json.RawMessage          `json:"parameters"`
			}
			require.NoError(t, json.Unmarshal(op, &o), "%s %s", method, path)
			if o.Summary == "" || len(o.Responses) == 0 {
				problems = append(problems, fmt.Sprintf("%s %s needs a summary and responses", method, path))
			}
			declared := string(op)
			for _, m := range docParam.FindAllStringSubmatch(path, -1) {
				if !strings.Contains(declared, `"#/components/parameters/`+m[1]+`"`) && !strings.Contains(declared, `"name": "`+m[1]+`"`) {
					problems = append(problems, fmt.Sprintf("%s %s does not declare its path parameter %q", method, path, m[1]))
				}
			}
		}
	}
	for _, m := range refRe.FindAllStringSubmatch(string(raw), -1) {
		if _, ok := doc.Components.Schemas[m[1]]; !ok {
			problems = append(problems, fmt.Sprintf("$ref to missing schema %q", m[1]))
		}
	}
	for _, typ := range append(slices.Clone(webhooks.Subscribable), outbox.EndpointTest) {
		if _, ok := doc.Webhooks[typ]; !ok {
			problems = append(problems, fmt.Sprintf("webhook %q is not described under \"webhooks\"", typ))
		}
	}
	if len(problems) > 0 {
		t.Fatalf("the OpenAPI document is incomplete:\n%s", strings.Join(problems, "\n"))
	}
}

func readDoc() ([]byte, error) {
	f, err := os.Open("openapi.json")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
