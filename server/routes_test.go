package server_test

import (
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/walkme/session-agent/server"
	"go.yaml.in/yaml/v3"
)

// TestRoutesAreDocumented holds docs/sessiond.md's Endpoints table and
// docs/admin-api.openapi.yaml to the real router: every route the server
// registers is in one of them (the admin API in the OpenAPI file, the
// rest in the table), and everything they list is a route. Each pattern
// is also sent through the server, to check (by the latency metric's
// route label) that the router really serves it under that pattern.
func TestRoutesAreDocumented(t *testing.T) {
	e := newEnv(t, false)
	s := e.srv.Config.Handler.(*server.Server)
	routes := s.Routes()
	if len(routes) < 30 {
		t.Fatalf("only %d routes: %v", len(routes), routes)
	}
	var api, other []string
	for _, p := range routes {
		method, path, _ := strings.Cut(p, " ")
		concrete := strings.NewReplacer("{id}", "x", "{$}", "").Replace(path)
		s.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, concrete, nil))
		p = strings.TrimSuffix(p, "{$}")
		if strings.HasPrefix(path, "/api/admin/") {
			api = append(api, p)
		} else {
			other = append(other, p)
		}
	}
	// The latency metric is labelled with the pattern the router chose.
	served := e.scrape(t)
	for _, p := range routes {
		if !strings.Contains(served, `route="`+p+`"`) {
			t.Errorf("a request for %s was not served under that pattern", p)
		}
	}
	compare(t, "docs/sessiond.md's Endpoints table", documentedRoutes(t), other)
	compare(t, "docs/admin-api.openapi.yaml", openAPIRoutes(t), api)
}

func compare(t *testing.T, doc string, documented, real []string) {
	t.Helper()
	for _, r := range real {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is missing from %s", r, doc)
		}
	}
	for _, d := range documented {
		if !slices.Contains(real, d) {
			t.Errorf("%s lists %s, which is not a route", doc, d)
		}
	}
}

// documentedRoutes are the first cells of the Endpoints table's rows,
// less the admin API's (the OpenAPI file's).
func documentedRoutes(t *testing.T) []string {
	b, err := os.ReadFile("../docs/sessiond.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Endpoints\n")
	if !ok {
		t.Fatal("docs/sessiond.md has no Endpoints section")
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var routes []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z]+ /[^`]*)`").FindAllStringSubmatch(section, -1) {
		if !strings.HasPrefix(m[1], "GET /api/admin/") {
			routes = append(routes, m[1])
		}
	}
	return routes
}

// openAPIRoutes are the OpenAPI file's operations as "METHOD /path".
func openAPIRoutes(t *testing.T) []string {
	b, err := os.ReadFile("../docs/admin-api.openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("admin-api.openapi.yaml: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q, want 3.x", doc.OpenAPI)
	}
	var routes []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			routes = append(routes, strings.ToUpper(method)+" "+path)
		}
	}
	return routes
}
