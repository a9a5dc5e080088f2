package server_test

// The contract harness: openapi/openapi.yaml must describe every route of
// the server, and every response a test receives can be checked against it
// with checkSpec. Tests of any endpoint should call checkSpec on each
// response they get (the read API fixture does it for every request).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/openapi"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

// loadSpec parses and validates openapi.yaml once per test binary.
func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		specDoc, specErr = loader.LoadFromData(openapi.Spec)
		if specErr != nil {
			specErr = fmt.Errorf("load openapi.yaml: %w", specErr)
			return
		}
		if specErr = specDoc.Validate(loader.Context); specErr != nil {
			specErr = fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", specErr)
			return
		}
		// Match requests by path alone, whatever host the test server has.
		specDoc.Servers = nil
		specRouter, specErr = legacy.NewRouter(specDoc)
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return specDoc, specRouter
}

// checkSpec fails t unless the response (resp.Request is the request that
// produced it, as net/http's client sets it) is described by openapi.yaml:
// an operation exists for the request's method and path, the status is
// declared (or falls to the operation's default), and headers and body match
// the declared schemas. Every response must carry Cache-Control. A 404 or
// 405 for a path the spec does not know must have the Error shape.
func checkSpec(t testing.TB, resp *http.Response, body []byte) {
	t.Helper()
	doc, router := loadSpec(t)
	req := resp.Request
	where := req.Method + " " + req.URL.RequestURI()
	if resp.Header.Get("Cache-Control") == "" {
		t.Errorf("%s: %d response without Cache-Control", where, resp.StatusCode)
	}
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			checkSchema(t, where, doc, "Error", body)
			return
		}
		t.Errorf("%s: no operation in openapi.yaml (%v)", where, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: pathParams, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("%s: %d response does not match openapi.yaml: %v\nbody: %.2000s", where, resp.StatusCode, err, body)
	}
}

// checkSchema validates a JSON body against a named component schema.
func checkSchema(t testing.TB, where string, doc *openapi3.T, name string, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s: body is not JSON: %v: %.500s", where, err, body)
		return
	}
	if err := doc.Components.Schemas[name].Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		t.Errorf("%s: body is not a %s: %v", where, name, err)
	}
}

// ginPath turns a gin route pattern into an OpenAPI path template.
func ginPath(p string) string {
	return regexp.MustCompile(`[:*]([A-Za-z_][A-Za-z0-9_]*)`).ReplaceAllString(p, "{$1}")
}

// fullDeps returns Deps with every dependency set that the store can
// stand for, so that routes registered only when their dependency is
// present are registered too. Candidates are *store.Store, *store.Public
// and whatever a method of *store.Store returns from a *store.Public (such
// as a feed reader). A dependency built elsewhere (the dataset snapshots)
// must be added here by its owner for its routes to be checked.
func fullDeps(t *testing.T) server.Deps {
	s := testenv.Store(t)
	pub := s.Public(domain.DefaultMasking, time.Now)
	candidates := []reflect.Value{reflect.ValueOf(pub), reflect.ValueOf(s)}
	pubType := reflect.TypeOf(pub)
	sv := reflect.ValueOf(s)
	for i := range sv.NumMethod() {
		m := sv.Method(i)
		if mt := m.Type(); mt.NumIn() == 1 && mt.In(0) == pubType && mt.NumOut() == 1 {
			candidates = append(candidates, m.Call([]reflect.Value{reflect.ValueOf(pub)})[0])
		}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := server.Deps{Log: log, Datasets: snapshot.New(s, pub, t.TempDir(), log)}
	v := reflect.ValueOf(&d).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Interface || !f.IsNil() {
			continue
		}
		for _, c := range candidates {
			if c.Type().Implements(f.Type()) {
				f.Set(c)
				break
			}
		}
	}
	return d
}

// TestSpecDescribesEveryRoute fails when a route of the server is missing
// from openapi.yaml, or the spec describes an operation the server lacks.
func TestSpecDescribesEveryRoute(t *testing.T) {
	doc, _ := loadSpec(t)
	h := server.New(fullDeps(t))
	routes := server.Routes(h)
	if len(routes) == 0 {
		t.Fatal("server.Routes found no route")
	}
	have := map[string]bool{}
	for _, r := range routes {
		path := ginPath(r.Path)
		have[r.Method+" "+path] = true
		item := doc.Paths.Value(path)
		if r.Method == http.MethodHead && item != nil && item.Get != nil && item.Head == nil {
			continue // every GET answers HEAD too (the spec's conventions say so)
		}
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s %s is not described in openapi/openapi.yaml (as %s %s)", r.Method, r.Path, strings.ToLower(r.Method), path)
		}
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !have[method+" "+path] {
				t.Errorf("openapi.yaml describes %s %s, which the server does not route", method, path)
			}
		}
	}
}

// TestSpecErrorMatchesServer keeps the Error schema in step with the JSON of
// httpx.Problem and domain.FieldError.
func TestSpecErrorMatchesServer(t *testing.T) {
	doc, _ := loadSpec(t)
	for name, typ := range map[string]reflect.Type{
		"Error":      reflect.TypeFor[httpx.Problem](),
		"FieldError": reflect.TypeFor[domain.FieldError](),
	} {
		var fields []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if tag != "" && tag != "-" {
				fields = append(fields, tag)
			}
		}
		var props []string
		for p := range doc.Components.Schemas[name].Value.Properties {
			props = append(props, p)
		}
		slices.Sort(fields)
		slices.Sort(props)
		if !slices.Equal(fields, props) {
			t.Errorf("schema %s has properties %v; the Go type has JSON fields %v", name, props, fields)
		}
	}
}

// TestRecordSchemasFollowDictionary checks that the Penalty and Permit
// schemas have exactly one property per data-dictionary field, named by
// the field's Name, marked with its standard code and required.
func TestRecordSchemasFollowDictionary(t *testing.T) {
	doc, _ := loadSpec(t)
	for name, fields := range map[string][]domain.Field{"Penalty": domain.PenaltyFields, "Permit": domain.PermitFields} {
		s := doc.Components.Schemas[name].Value
		if len(s.Properties) != len(fields) {
			t.Errorf("%s: %d properties besides Publication, the dictionary has %d fields", name, len(s.Properties), len(fields))
		}
		for _, f := range fields {
			p, ok := s.Properties[f.Name]
			if !ok {
				t.Errorf("%s: no property %s for %s %s", name, f.Name, f.Code, f.Label)
				continue
			}
			if code := p.Value.Extensions["x-standard-code"]; code != f.Code {
				t.Errorf("%s.%s: x-standard-code %v, want %s", name, f.Name, code, f.Code)
			}
			// Amounts are served in yuan, so their label loses its unit.
			if !strings.Contains(p.Value.Description, strings.TrimSuffix(f.Label, "（万元）")) {
				t.Errorf("%s.%s: description %q does not give the label %s", name, f.Name, p.Value.Description, f.Label)
			}
			if !slices.Contains(s.Required, f.Name) {
				t.Errorf("%s.%s is not required: every field is always present", name, f.Name)
			}
		}
	}
}

// TestSpecServed checks GET /openapi.yaml returns the embedded document.
func TestSpecServed(t *testing.T) {
	f := newReadFixture(t)
	resp, body := f.get("/openapi.yaml")
	if resp.StatusCode != 200 || !bytes.Equal(body, openapi.Spec) {
		t.Fatalf("GET /openapi.yaml: %d, %d bytes", resp.StatusCode, len(body))
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestSpecDatasetNamesFollowRegistry keeps the dataset names of the spec
// (the dataset_name parameter, and any other {name} of a dataset path)
// equal to the dataset registry.
func TestSpecDatasetNamesFollowRegistry(t *testing.T) {
	doc, _ := loadSpec(t)
	enum := func(p *openapi3.Parameter) []string {
		var out []string
		for _, v := range p.Schema.Value.Enum {
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	want := dataset.Names()
	if got := enum(doc.Components.Parameters["dataset_name"].Value); !slices.Equal(got, want) {
		t.Errorf("components/parameters/dataset_name: enum %v, the registry has %v", got, want)
	}
	checked := 0
	for path, item := range doc.Paths.Map() {
		if !strings.HasPrefix(path, "/api/v1/datasets/{name}") {
			continue
		}
		params := item.Parameters
		for _, op := range item.Operations() {
			params = append(params, op.Parameters...)
		}
		for _, p := range params {
			if p.Value.In == "path" && p.Value.Name == "name" {
				checked++
				if got := enum(p.Value); !slices.Equal(got, want) {
					t.Errorf("%s: dataset names %v, the registry has %v", path, got, want)
				}
			}
		}
	}
	if checked < 6 {
		t.Errorf("checked the dataset names of %d operations, want every dataset path's", checked)
	}
}
