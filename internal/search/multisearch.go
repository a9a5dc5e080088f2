package search

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	meili "github.com/meilisearch/meilisearch-go"
)

// searchClient talks to Meilisearch with the search-only key. It sends
// multi-search requests itself: meilisearch-go would decode every hit into
// a map through reflection and keep string copies of the whole answer,
// which cost more CPU than everything else a search does in this
// process. The library serves the health check.
type searchClient struct {
	ms   meili.ServiceManager
	http *http.Client
	url  string // the multi-search endpoint
	auth string // the Authorization header; "" without a key
}

func newSearchClient(url, key string, timeout time.Duration) *searchClient {
	hc := newHTTPClient(timeout)
	c := &searchClient{ms: newClient(url, key, hc), http: hc, url: strings.TrimSuffix(url, "/") + "/multi-search"}
	if key != "" {
		c.auth = "Bearer " + key
	}
	return c
}

// apiError is Meilisearch's answer to a request it refused or failed.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	return fmt.Sprintf("meilisearch answered %d: %s (%s)", e.Status, e.Message, e.Code)
}

// statusOf returns the HTTP status and Meilisearch error code of a failed
// request; status 0 when no answer came.
func statusOf(err error) (int, string) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status, ae.Code
	}
	var me *meili.Error
	if errors.As(err, &me) {
		return me.StatusCode, string(me.APIError.Code)
	}
	return 0, ""
}

// maxAnswer bounds a search answer read into memory.
const maxAnswer = 64 << 20

// multiSearch sends the queries as one multi-search request and returns
// the answer.
func (c *searchClient) multiSearch(ctx context.Context, queries []*meili.SearchRequest) ([]byte, error) {
	body, err := json.Marshal(&meili.MultiSearchRequest{Queries: queries})
	if err != nil {
		return nil, fmt.Errorf("multi-search request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("multi-search request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("multi-search: %w", err)
	}
	defer resp.Body.Close()
	// Sized from Content-Length, so the answer is read in one piece; read
	// to the end, so the connection is reused.
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength <= maxAnswer {
		buf.Grow(int(resp.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxAnswer+1)); err != nil {
		return nil, fmt.Errorf("multi-search: reading the answer: %w", err)
	}
	if buf.Len() > maxAnswer {
		return nil, fmt.Errorf("multi-search: the answer exceeds %d bytes", maxAnswer)
	}
	if resp.StatusCode != http.StatusOK {
		e := &apiError{Status: resp.StatusCode}
		_ = json.Unmarshal(buf.Bytes(), e) // a message when Meilisearch gave one
		return nil, fmt.Errorf("multi-search: %w", e)
	}
	return buf.Bytes(), nil
}

// meiliResult is the answer to one query of a multi-search.
type meiliResult struct {
	hits      []meiliHit
	totalHits int64
	facets    json.RawMessage // facetDistribution
}

// meiliHit is a hit as Meilisearch sent it; its values are slices of the
// answer.
type meiliHit struct {
	fields  map[string]json.RawMessage // the public fields
	matches json.RawMessage            // _matchesPosition
	score   json.RawMessage            // _rankingScore
}

// raw returns a field of the hit, or its ranking score.
func (h meiliHit) raw(field string) json.RawMessage {
	if field == "_rankingScore" {
		return h.score
	}
	return h.fields[field]
}

// parseMultiSearch reads a multi-search answer.
func parseMultiSearch(answer []byte) ([]meiliResult, error) {
	// Values are passed on as they are: they must be valid UTF-8.
	if !utf8.Valid(answer) {
		return nil, errors.New("multi-search answer: invalid UTF-8")
	}
	r := jsonReader{b: answer}
	var out []meiliResult
	for k := range r.members() {
		if string(k) != "results" {
			r.skip()
			continue
		}
		for range r.elements() {
			out = append(out, r.result())
		}
	}
	if err := r.end(); err != nil {
		return nil, fmt.Errorf("multi-search answer: %w", err)
	}
	return out, nil
}

func (r *jsonReader) result() meiliResult {
	var res meiliResult
	for k := range r.members() {
		switch string(k) {
		case "hits":
			for range r.elements() {
				res.hits = append(res.hits, r.hit())
			}
		case "totalHits":
			res.totalHits = r.int()
		case "facetDistribution":
			res.facets = r.value()
		default:
			r.skip()
		}
	}
	return res
}

// hit reads a hit: its public fields — not the internal ones, nor the
// fields Meilisearch adds, whose names start with _ — its match positions
// and ranking score.
func (r *jsonReader) hit() meiliHit {
	h := meiliHit{fields: make(map[string]json.RawMessage, 32)}
	for k := range r.members() {
		switch string(k) {
		case "_matchesPosition":
			h.matches = r.value()
			continue
		case "_rankingScore":
			h.score = r.value()
			continue
		}
		name, known := knownNames[string(k)]
		if !known {
			if name = r.name(k); name == "" || name[0] == '_' || internalFields[name] {
				r.skip()
				continue
			}
		}
		h.fields[name] = r.value()
	}
	return h
}

// knownNames holds the public field names of the documents: a key found
// here costs no allocation.
var knownNames = func() map[string]string {
	out := map[string]string{}
	for _, names := range publicFields {
		for _, n := range names {
			out[n] = n
		}
	}
	return out
}()

// name returns a raw key as a string.
func (r *jsonReader) name(raw []byte) string {
	if n, ok := knownNames[string(raw)]; ok {
		return n
	}
	s, err := unquote(raw)
	if err != nil {
		r.fail("bad key")
	}
	return s
}

// matchPositions reads a hit's _matchesPosition: per attribute, where
// Meilisearch matched the query.
func matchPositions(raw json.RawMessage) (map[string][]matchPosition, error) {
	r := jsonReader{b: raw}
	out := map[string][]matchPosition{}
	for attr := range r.members() {
		name := r.name(attr)
		var ps []matchPosition
		for range r.elements() {
			var p matchPosition
			for k := range r.members() {
				switch string(k) {
				case "start":
					p.Start = int(r.int())
				case "length":
					p.Length = int(r.int())
				case "indices":
					for range r.elements() {
						p.Indices = append(p.Indices, int(r.int()))
					}
				default:
					r.skip()
				}
			}
			ps = append(ps, p)
		}
		out[name] = ps
	}
	return out, r.end()
}

// mergeFacets adds a facetDistribution ({"attr":{"value":n}}) to facets,
// under the names of the filter parameters (params maps attributes to them).
func mergeFacets(facets map[string]map[string]int64, raw json.RawMessage, params map[string]string) error {
	if len(raw) == 0 {
		return nil
	}
	r := jsonReader{b: raw}
	for attr := range r.members() {
		name := params[string(attr)]
		if name == "" {
			r.skip()
			continue
		}
		if facets[name] == nil {
			facets[name] = map[string]int64{}
		}
		for v := range r.members() {
			value, err := unquote(v)
			if err != nil {
				r.fail("bad facet value")
			}
			facets[name][value] += r.int()
		}
	}
	if err := r.end(); err != nil {
		return fmt.Errorf("facet distribution: %w", err)
	}
	return nil
}

// number returns a raw JSON number's value, 0 for anything else.
func number(raw json.RawMessage) float64 {
	f, _ := strconv.ParseFloat(string(raw), 64)
	return f
}
