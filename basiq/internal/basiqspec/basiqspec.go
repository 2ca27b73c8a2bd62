// Package basiqspec finds and loads Basiq's OpenAPI v3 spec (core.json,
// data.json and webhooks.json) for the contract tests of the client and of
// the simulator, and the v2.1 spec (swagger.json) for the one v2 route v3
// still answers. The spec is reference data kept outside the repository; it
// is never copied in.
package basiqspec

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Files are the spec's three documents: the core API, the data API and the
// webhooks (the /notifications routes).
var Files = []string{"core.json", "data.json", "webhooks.json"}

// Dir is the folder holding the spec: $BASIQ_OPENAPI_DIR, else
// ../shared/basiq-openapi beside the repository. Where it is missing the test
// skips with the reason, except under CI=true, where it fails: a contract
// test that checks nothing must not pass.
func Dir(t testing.TB) string {
	t.Helper()
	return shared(t, "BASIQ_OPENAPI_DIR", "basiq-openapi", "Basiq's OpenAPI spec", "the contract tests", Files...)
}

// RealClientsDir is the folder of what three real Basiq clients sent and got
// (wire.jsonl, operations-*.txt): $BASIQ_REALCLIENTS_DIR, else
// ../shared/realclients beside the repository; skipping or failing as Dir does.
func RealClientsDir(t testing.TB) string {
	t.Helper()
	return shared(t, "BASIQ_REALCLIENTS_DIR", "realclients", "The recording of real clients", "the replay test", "wire.jsonl")
}

// shared finds reference data kept beside the repository, never in it.
func shared(t testing.TB, env, folder, what, test string, files ...string) string {
	t.Helper()
	dir, err := find(env, folder, files)
	if err == nil {
		return dir
	}
	msg := what + " is not here (" + err.Error() + "): set " + env + " to the folder holding " + strings.Join(files, " and ") +
		", or put that folder at ../shared/" + folder + " beside the repository"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + ". CI must run " + test + ", so this fails instead of skipping.")
	}
	t.Skip(msg)
	return ""
}

func find(env, folder string, files []string) (string, error) {
	dir := os.Getenv(env)
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "..", "shared", folder)
	}
	for _, name := range files {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// repoRoot is the nearest folder above the test's own that holds go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// Spec is the loaded spec and a router over its documents.
type Spec struct {
	Docs    map[string]*openapi3.T // by file name
	routers []routers.Router
}

// Load reads the spec (skipping or failing as Dir does). With a serverURL,
// requests to that server are routed as if they went to Basiq.
func Load(t testing.TB, serverURL string) *Spec {
	t.Helper()
	dir := Dir(t)
	s := &Spec{Docs: map[string]*openapi3.T{}}
	for _, name := range Files {
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = true
		doc, err := loader.LoadFromFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("load %s: %v", name, err)
		}
		if serverURL != "" {
			doc.Servers = openapi3.Servers{{URL: serverURL}}
		}
		// POST /token's form schema lacks "type": "object", which kin-openapi
		// needs to decode a form body.
		if tok := doc.Paths.Find("/token"); tok != nil && tok.Post != nil && tok.Post.RequestBody != nil {
			if mt := tok.Post.RequestBody.Value.Content.Get("application/x-www-form-urlencoded"); mt != nil && mt.Schema.Value.Type == nil {
				mt.Schema.Value.Type = &openapi3.Types{openapi3.TypeObject}
			}
		}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatalf("router for %s: %v", name, err)
		}
		s.Docs[name] = doc
		s.routers = append(s.routers, r)
	}
	return s
}

// FindRoute finds the spec's operation for a request, in any document.
func (s *Spec) FindRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	var err error
	for _, r := range s.routers {
		route, params, e := r.FindRoute(req)
		if e == nil {
			return route, params, nil
		}
		err = e
	}
	return nil, nil, err
}

// SwaggerFile is Basiq's v2.1 spec (Swagger 2.0), beside the v3 files: the
// only spec of GET /institutions, which Basiq's v3 starter kit still calls.
const SwaggerFile = "swagger.json"

// LoadV2 reads swagger.json turned into OpenAPI 3 (kin-openapi's
// openapi2conv), with a router whose requests go to serverURL. Where the file
// is missing it skips, or fails under CI=true, as Dir does.
func LoadV2(t testing.TB, serverURL string) (*openapi3.T, routers.Router) {
	t.Helper()
	path := filepath.Join(Dir(t), SwaggerFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		msg := "Basiq's v2.1 spec is not here (" + err.Error() + "): put swagger.json beside core.json"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + ". CI must run the contract tests, so this fails instead of skipping.")
		}
		t.Skip(msg)
	}
	var v2 openapi2.T
	if err := json.Unmarshal(raw, &v2); err != nil {
		t.Fatalf("read %s: %v", SwaggerFile, err)
	}
	doc, err := openapi2conv.ToV3(&v2)
	if err != nil {
		t.Fatalf("convert %s to OpenAPI 3: %v", SwaggerFile, err)
	}
	if serverURL != "" {
		doc.Servers = openapi3.Servers{{URL: serverURL}}
	}
	r, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("router for %s: %v", SwaggerFile, err)
	}
	return doc, r
}
