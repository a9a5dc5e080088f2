package server_test

// The request generator of the spec-driven fuzz test (fuzzapi_test.go):
// from the parameters and body schema of an operation of openapi.yaml it
// builds requests the spec says are valid, and mutations of them that
// break the schema or the spec's conventions.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// fuzzOp is one operation of the spec.
type fuzzOp struct {
	method, path string
	op           *openapi3.Operation
	params       []*openapi3.Parameter // path item's and operation's, by name
	page         bool                  // tagged pages: content for people, parameters undeclared
}

func (o *fuzzOp) String() string { return o.method + " " + o.path }

func (o *fuzzOp) secured() bool { return o.op.Security != nil && len(*o.op.Security) > 0 }

// keyOptional reports whether the operation also admits requests without
// a key (an empty security requirement among its alternatives).
func (o *fuzzOp) keyOptional() bool {
	if o.op.Security == nil {
		return true
	}
	for _, req := range *o.op.Security {
		if len(req) == 0 {
			return true
		}
	}
	return false
}

// fuzzSpecOps lists every operation of the spec, in path and method order.
func fuzzSpecOps(doc *openapi3.T) []*fuzzOp {
	var ops []*fuzzOp
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			o := &fuzzOp{method: method, path: path, op: op, page: slices.Contains(op.Tags, "pages")}
			byName := map[string]*openapi3.Parameter{}
			var names []string
			for _, ps := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range ps {
					if _, ok := byName[p.Value.Name]; !ok {
						names = append(names, p.Value.Name)
					}
					byName[p.Value.Name] = p.Value
				}
			}
			for _, n := range names {
				o.params = append(o.params, byName[n])
			}
			ops = append(ops, o)
		}
	}
	slices.SortFunc(ops, func(a, b *fuzzOp) int { return strings.Compare(a.String(), b.String()) })
	return ops
}

// fuzzReq is one generated request. Path and query values are kept
// percent-encoded, so that a request can carry what url.Values could not
// (a malformed escape, invalid UTF-8).
type fuzzReq struct {
	op          *fuzzOp
	path        map[string]string // name → encoded segment
	query       [][2]string       // encoded name, encoded value, in order
	body        []byte            // nil: none
	contentType string
	key         string // bearer key; "" none

	mutation   string // "" for a valid request; else what was broken
	field      string // the parameter a 400 must name ("" when not a parameter)
	convention bool   // broken by a convention of the spec rather than a schema
	mayMiss    bool   // a path or query value chooses a resource that may not exist (404)
	undeclared bool   // a parameter the spec does not declare, on a page (any answer below 500)
}

// target is the request URI: the encoded path and the raw query.
func (r *fuzzReq) target() (string, string) {
	p := r.op.path
	for name, v := range r.path {
		p = strings.Replace(p, "{"+name+"}", v, 1)
	}
	pairs := make([]string, len(r.query))
	for i, kv := range r.query {
		pairs[i] = kv[0] + "=" + kv[1]
	}
	return p, strings.Join(pairs, "&")
}

func (r *fuzzReq) String() string {
	path, query := r.target()
	s := r.op.method + " " + path
	if query != "" {
		s += "?" + query
	}
	if r.body != nil {
		s += fmt.Sprintf(" (Content-Type %q, body %.300q)", r.contentType, r.body)
	}
	if r.mutation != "" {
		s += " [" + r.mutation + "]"
	}
	return s
}

// build turns r into an *http.Request against base.
func (r *fuzzReq) build(base string) (*http.Request, error) {
	var body io.Reader = http.NoBody
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.op.method, base+"/", body)
	if err != nil {
		return nil, err
	}
	// Send the URI as generated, bypassing net/url's normalization; Path
	// holds it decoded for the spec's router.
	path, query := r.target()
	req.URL.Opaque = "//" + req.URL.Host + path
	req.URL.RawQuery = query
	if req.URL.Path, err = url.PathUnescape(path); err != nil {
		req.URL.Path = path
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.key != "" {
		req.Header.Set("Authorization", "Bearer "+r.key)
	}
	return req, nil
}

// fuzzSpecAllows tells whether the spec's schemas accept the request's
// parameters and body (kin-openapi's request validation). Empty query
// values count as absent, as the spec's conventions say.
func fuzzSpecAllows(router routers.Router, r *fuzzReq) error {
	cp := *r
	cp.query = slices.DeleteFunc(slices.Clone(r.query), func(kv [2]string) bool { return kv[1] == "" })
	req, err := cp.build("http://spec")
	if err != nil {
		return err
	}
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
}

// fuzzPools are real values of the fixture, by parameter name: values
// under "name" exist; values under "name?" may not (a 404 is right).
type fuzzPools map[string][]string

// fuzzGen generates requests from a seeded source.
type fuzzGen struct {
	r     *rand.Rand
	pools fuzzPools
	keys  map[string]string // scope → key
	// bodies builds a valid body for an operation, by operationId.
	bodies map[string]func(r *rand.Rand) any
}

func (g *fuzzGen) pick(vs []string) string { return vs[g.r.IntN(len(vs))] }

// valid builds a request the spec says is valid.
func (g *fuzzGen) valid(op *fuzzOp) *fuzzReq {
	r := &fuzzReq{op: op, path: map[string]string{}}
	if op.secured() && (!op.keyOptional() || g.r.IntN(2) == 0) {
		r.key = g.keys[fuzzScopeOf(op)]
	}
	for _, p := range op.params {
		if p.In == "query" && !p.Required && g.r.IntN(3) > 0 {
			continue // optional parameters are given a third of the time
		}
		if p.In != "query" && p.In != "path" {
			continue
		}
		vs, miss := g.validValues(op, p)
		if vs == nil {
			continue
		}
		r.mayMiss = r.mayMiss || miss
		if p.In == "path" {
			r.path[p.Name] = fuzzEscapePath(vs[0])
			continue
		}
		for _, v := range vs {
			r.query = append(r.query, [2]string{url.QueryEscape(p.Name), url.QueryEscape(v)})
		}
	}
	if rb := op.op.RequestBody; rb != nil {
		b, err := json.Marshal(g.bodies[op.op.OperationID](g.r))
		if err != nil {
			panic(err)
		}
		r.body, r.contentType = b, "application/json"
		if g.r.IntN(4) == 0 {
			r.contentType = "application/json; charset=utf-8"
		}
	}
	return r
}

func fuzzScopeOf(op *fuzzOp) string {
	if strings.HasPrefix(op.path, "/api/v1/feeds/") {
		return "feed"
	}
	return "ingest"
}

// validValues returns the value (or the values, for an exploded array) of
// a parameter, and whether the resource it names may not exist. It
// returns nil for an optional parameter it cannot generate.
func (g *fuzzGen) validValues(op *fuzzOp, p *openapi3.Parameter) ([]string, bool) {
	s := p.Schema.Value
	if s.Type.Is("array") {
		n := 1 + g.r.IntN(3)
		if g.r.IntN(6) == 0 {
			n = 15 + g.r.IntN(10)
		}
		if s.MaxItems != nil {
			n = min(n, int(*s.MaxItems))
		}
		var out []string
		miss := false
		for range n {
			v, m := g.scalar(op, p.Name, s.Items.Value)
			if v == "" {
				return nil, false
			}
			out = append(out, v)
			miss = miss || m
		}
		return out, miss
	}
	v, miss := g.scalar(op, p.Name, s)
	if v == "" {
		return nil, false
	}
	return []string{v}, miss
}

// scalar returns one valid value of a schema; "" when none can be made.
func (g *fuzzGen) scalar(op *fuzzOp, name string, s *openapi3.Schema) (string, bool) {
	// A number or a date is now and then drawn from its schema instead of
	// the pools, so that its boundaries are tried too.
	// (Not for writes: a withdrawal of an id drawn so could take down a
	// record the pools name as public.)
	fromSchema := (s.Type.Is("integer") || s.Format == "date") && op.op.RequestBody == nil && g.r.IntN(5) == 0
	for _, key := range []string{op.path + " " + name, name} {
		if vs, ok := g.pools[key]; ok && len(vs) > 0 && !fromSchema {
			if more, ok := g.pools[key+"?"]; ok && g.r.IntN(4) == 0 {
				return g.pick(more), true
			}
			return g.pick(vs), false
		}
	}
	if len(s.Enum) > 0 {
		return fmt.Sprint(s.Enum[g.r.IntN(len(s.Enum))]), false
	}
	switch {
	case s.Type.Is("integer"):
		lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
		if s.Min != nil {
			lo = int64(*s.Min)
		}
		if s.Max != nil {
			hi = int64(*s.Max)
		}
		var n int64
		switch g.r.IntN(4) {
		case 0:
			n = lo
		case 1:
			n = hi
		default:
			// Near the lower bound, or near 0 when there is none.
			from := lo
			if lo == math.MinInt64 {
				from = 0
			}
			n = from + int64(g.r.Uint64N(min(uint64(hi)-uint64(from), 1000)+1))
		}
		return strconv.FormatInt(n, 10), true
	case s.Format == "date":
		return fmt.Sprintf("%04d-%02d-%02d", 2000+g.r.IntN(31), 1+g.r.IntN(12), 1+g.r.IntN(28)), true
	case s.Pattern != "":
		return "", false
	case s.Type.Is("string"):
		v := g.pick([]string{"化工", "安全生产", "苏州", "a", "x y", "罚款", "320500", "-", "'\"", "%", "<b>"})
		if s.MaxLength != nil && uint64(len([]rune(v))) > *s.MaxLength {
			return "", false
		}
		return v, true
	}
	return "", false
}

func fuzzEscapePath(v string) string { return strings.ReplaceAll(url.PathEscape(v), "%2F", "/") }

// huge integers and wrong types that every integer parameter must refuse.
var fuzzBadIntegers = []string{"abc", "1.5", "1e3", "0x10", "１", "+", "--1", "9223372036854775808",
	"-9223372036854775809", "99999999999999999999999999", "NaN"}

// mutate builds a valid request of op and breaks one thing of it.
func (g *fuzzGen) mutate(op *fuzzOp) *fuzzReq {
	r := g.valid(op)
	r.mayMiss = true
	var candidates []func() bool
	for _, p := range op.params {
		if p.In == "query" || p.In == "path" {
			candidates = append(candidates, func() bool { return g.breakParam(r, p) })
		}
	}
	if strings.HasPrefix(op.path, "/api/") {
		candidates = append(candidates, func() bool {
			name := g.pick([]string{"unknown", "x", "q2", "LIMIT", "limit[]", "__proto__"})
			if slices.ContainsFunc(op.params, func(p *openapi3.Parameter) bool { return p.Name == name }) {
				return false
			}
			r.query = append(r.query, [2]string{url.QueryEscape(name), "1"})
			r.mutation, r.field, r.convention = "unknown parameter "+name, name, true
			return true
		})
	}
	if op.page && op.method == http.MethodGet {
		// The pages read query parameters the spec does not declare (their
		// content is for people): they may answer anything but a 5xx.
		candidates = append(candidates, func() bool {
			name := g.pick(fuzzPageParams)
			v := g.pick(append(slices.Clone(fuzzBadIntegers), "2026-02-30", "320505", "姑苏区", "罚款", "-fine", "zz",
				strings.Repeat("长", 3000), "%3Cscript%3E", "0", "-1", "1", "2147483648"))
			r.query = append(r.query, [2]string{name, url.QueryEscape(v)})
			r.mutation, r.undeclared = "page parameter "+name, true
			return true
		}, func() bool {
			name := g.pick(fuzzPageParams)
			r.query = append(r.query, [2]string{name, g.pick([]string{"a%00", "%ff%fe", "%zz"})})
			r.mutation, r.field, r.convention = "page parameter "+name+" not valid UTF-8", name, true
			return true
		})
	}
	if op.secured() {
		candidates = append(candidates, func() bool {
			other := g.keys["feed"]
			if fuzzScopeOf(op) == "feed" {
				other = g.keys["ingest"]
			}
			bad := []string{"", "not-a-key", other}
			if op.keyOptional() {
				bad = bad[1:] // no key at all is a valid request
			}
			r.key = g.pick(bad)
			r.mutation, r.convention = "no valid key", true
			return true
		})
	}
	if op.op.RequestBody != nil {
		candidates = append(candidates, func() bool { return g.breakBody(r) })
	}
	for range 10 {
		if len(candidates) == 0 {
			break
		}
		if candidates[g.r.IntN(len(candidates))]() {
			return r
		}
	}
	return nil
}

// fuzzPageParams are query parameters the pages read.
var fuzzPageParams = []string{"q", "type", "page", "per_page", "sort", "district", "category", "year", "agency", "stage",
	"subject_kind", "permit_status", "power_category", "from", "to", "a", "b", "version", "v", "lang", "format", "chart", "months"}

// breakParam breaks the value of p in r; false when it cannot.
func (g *fuzzGen) breakParam(r *fuzzReq, p *openapi3.Parameter) bool {
	s := p.Schema.Value
	array := s.Type.Is("array")
	if array && s.MaxItems != nil && g.r.IntN(8) == 0 {
		r.query = slices.DeleteFunc(r.query, func(kv [2]string) bool { return kv[0] == url.QueryEscape(p.Name) })
		for range *s.MaxItems + 1 {
			v, _ := g.scalar(r.op, p.Name, s.Items.Value)
			r.query = append(r.query, [2]string{url.QueryEscape(p.Name), url.QueryEscape(v)})
		}
		r.mutation, r.field = "too many "+p.Name, p.Name
		return true
	}
	if array {
		s = s.Items.Value
	}
	valid, _ := g.scalar(r.op, p.Name, s)
	var bad string
	convention := false
	switch k := g.r.IntN(10); {
	case k == 0 && p.In == "query":
		bad, convention = url.QueryEscape(valid)+"%00", true
	case k == 1 && p.In == "query":
		bad, convention = url.QueryEscape(valid)+"%ff%fe", true
	case k == 2 && p.In == "query":
		bad, convention = "%zz"+url.QueryEscape(valid), true
	case k == 3 && p.In == "query" && !array:
		if valid == "" {
			return false
		}
		if !r.setQuery(p.Name, url.QueryEscape(valid)) {
			r.query = append(r.query, [2]string{url.QueryEscape(p.Name), url.QueryEscape(valid)})
		}
		r.query = append(r.query, [2]string{url.QueryEscape(p.Name), url.QueryEscape(valid)})
		r.mutation, r.field, r.convention = "repeated "+p.Name, p.Name, true
		return true
	case k == 4:
		bad = url.QueryEscape(strings.Repeat(g.pick([]string{"a", "9", "安", valid + ","}), 200+g.r.IntN(5000)))
	case s.Type.Is("integer"):
		vs := slices.Clone(fuzzBadIntegers)
		if s.Min != nil {
			vs = append(vs, strconv.FormatFloat(*s.Min-1, 'f', 0, 64))
		}
		if s.Max != nil {
			vs = append(vs, strconv.FormatFloat(*s.Max+1, 'f', 0, 64))
		}
		bad = url.QueryEscape(g.pick(vs))
	case s.Format == "date":
		bad = url.QueryEscape(g.pick([]string{"2026-02-30", "2026-13-01", "26-01-01", "2026/01/01", "2026-1-1", "today", "2026-01-01T00:00:00Z", "-0001-01-01"}))
	case len(s.Enum) > 0 || s.Pattern != "":
		bad = url.QueryEscape(g.pick([]string{valid + "x", strings.ToLower(valid) + "!", " " + valid + "?", "其他x", "zzz"}))
	default:
		bad = url.QueryEscape(g.pick([]string{"\x01", "a\tb", "\u202e", "\U0001F600", "'", "\\", "%", "..", "a b"}))
	}
	if p.In == "path" {
		bad = strings.ReplaceAll(bad, "+", "%20")
		if bad == "" || strings.HasPrefix(bad, "%zz") || strings.Contains(bad, "%2F") {
			return false
		}
		r.path[p.Name] = bad
	} else if !r.setQuery(p.Name, bad) {
		r.query = append(r.query, [2]string{url.QueryEscape(p.Name), bad})
	}
	r.mutation, r.field, r.convention = "bad "+p.Name, p.Name, convention
	return true
}

// setQuery replaces the value of the first name= pair and drops the
// others; false when there is none.
func (r *fuzzReq) setQuery(name, value string) bool {
	enc := url.QueryEscape(name)
	found := false
	r.query = slices.DeleteFunc(r.query, func(kv [2]string) bool {
		if kv[0] != enc {
			return false
		}
		if found {
			return true
		}
		found = true
		return false
	})
	for i := range r.query {
		if r.query[i][0] == enc {
			r.query[i][1] = value
		}
	}
	return found
}

// breakBody replaces the body of r with one the schema or the write
// conventions refuse.
func (g *fuzzGen) breakBody(r *fuzzReq) bool {
	valid := r.body
	r.field, r.mutation = "", "bad body"
	if strings.HasPrefix(r.op.op.OperationID, "ingest") && g.r.IntN(10) == 0 {
		// One record more than a batch may hold (IngestBody's maxItems).
		recs := make([]json.RawMessage, 1001)
		for i := range recs {
			recs[i] = json.RawMessage(fmt.Sprintf(`{"CF_WSH":"（苏）应急罚〔2024〕%d号","XK_WSH":"（苏）应急许〔2024〕%d号"}`, i, i))
		}
		r.body, _ = json.Marshal(recs)
		r.mutation = "1001 records"
		return true
	}
	switch g.r.IntN(9) {
	case 0:
		r.body = valid[:g.r.IntN(len(valid))]
		r.mutation, r.convention = "truncated JSON", true
	case 1:
		r.body = append(bytes.Replace(valid, []byte(`"`), []byte("\"\xff\xfe"), 1), []byte{}...)
		r.mutation, r.convention = "invalid UTF-8 in the JSON", true
	case 2:
		r.body = []byte(g.pick([]string{`null`, `"text"`, `42`, `true`, `[]`, `[[]]`, `[1,2]`, `{"a":{"b":1}}`, `{"a":[1]}`, `{"a":true}`}))
	case 3:
		r.contentType = g.pick([]string{"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx", "application/json; charset=latin1"})
		r.mutation, r.field, r.convention = "Content-Type "+r.contentType, "Content-Type", true
	case 4:
		r.body = append(append([]byte{}, valid...), []byte(" {}")...)
		r.mutation, r.convention = "trailing data after the JSON", true
	case 5:
		r.body = bytes.Repeat([]byte("["), 100000)
		r.mutation, r.convention = "deep nesting", true
	case 6:
		// An object with an unknown member, where the schema closes the object.
		var m map[string]any
		if json.Unmarshal(valid, &m) != nil {
			return false
		}
		m["unknown_member"] = 1
		r.body, _ = json.Marshal(m)
		r.mutation = "unknown member"
	case 7:
		var m map[string]any
		if json.Unmarshal(valid, &m) != nil {
			return false
		}
		for k, v := range m {
			switch v.(type) {
			case string:
				m[k] = g.pick([]string{"1", "x"}) == "1"
			default:
				m[k] = "x"
			}
			break
		}
		r.body, _ = json.Marshal(m)
		r.mutation = "member of the wrong type"
	default:
		b := make([]byte, 0, 4<<20)
		b = append(b, `[{"CF_WSH":"`...)
		b = append(b, bytes.Repeat([]byte("长"), (9<<20)/3)...)
		r.body = append(b, `"}]`...)
		r.mutation = "9 MB body"
	}
	return true
}
