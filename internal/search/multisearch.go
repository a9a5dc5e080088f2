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

// parseMultiSearch reads a multi-search answer. The values it returns are
// slices of answer, which must not change while they are in use.
func parseMultiSearch(answer []byte) ([]meiliResult, error) {
	var out []meiliResult
	err := read(answer, func(r *reader) error {
		return r.members(func(k []byte) error {
			if string(k) != "results" {
				return r.skip()
			}
			return r.elements(func() error {
				res, err := r.result()
				out = append(out, res)
				return err
			})
		})
	})
	if err != nil {
		return nil, fmt.Errorf("multi-search answer: %w", err)
	}
	return out, nil
}

func (r *reader) result() (meiliResult, error) {
	var res meiliResult
	err := r.members(func(k []byte) error {
		var err error
		switch string(k) {
		case "hits":
			err = r.elements(func() error {
				h, err := r.hit()
				res.hits = append(res.hits, h)
				return err
			})
		case "totalHits":
			res.totalHits, err = r.count()
		case "facetDistribution":
			res.facets, err = r.value()
		default:
			err = r.skip()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		return nil
	})
	return res, err
}

// hit reads a hit: its public fields — not the internal ones, nor the
// fields Meilisearch adds, whose names start with _ — its match positions
// and ranking score.
func (r *reader) hit() (meiliHit, error) {
	h := meiliHit{fields: make(map[string]json.RawMessage, 32)}
	err := r.members(func(k []byte) error {
		var err error
		switch name, known := knownNames[string(k)]; {
		case known:
			h.fields[name], err = r.value()
		case string(k) == "_matchesPosition":
			h.matches, err = r.value()
		case string(k) == "_rankingScore":
			h.score, err = r.value()
		case len(k) == 0 || k[0] == '_' || internalFields[string(k)]:
			err = r.skip()
		default:
			h.fields[string(k)], err = r.value()
		}
		return err
	})
	if err != nil {
		return h, fmt.Errorf("hit: %w", err)
	}
	return h, nil
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

// fieldName returns an (unescaped) key as a string.
func fieldName(k []byte) string {
	if n, ok := knownNames[string(k)]; ok {
		return n
	}
	return string(k)
}

// matchPositions reads a hit's _matchesPosition: per attribute, where
// Meilisearch matched the query.
func matchPositions(raw json.RawMessage) (map[string][]matchPosition, error) {
	out := map[string][]matchPosition{}
	err := read(raw, func(r *reader) error {
		return r.members(func(attr []byte) error {
			name := fieldName(attr)
			ps, err := r.positions()
			out[name] = ps
			return err
		})
	})
	if err != nil {
		return out, fmt.Errorf("match positions: %w", err)
	}
	return out, nil
}

// positions reads the match positions of one attribute.
func (r *reader) positions() ([]matchPosition, error) {
	var ps []matchPosition
	err := r.elements(func() error {
		p, err := r.position()
		ps = append(ps, p)
		return err
	})
	return ps, err
}

func (r *reader) position() (matchPosition, error) {
	var p matchPosition
	err := r.members(func(k []byte) error {
		var n int64
		var err error
		switch string(k) {
		case "start":
			n, err = r.count()
			p.Start = int(n)
		case "length":
			n, err = r.count()
			p.Length = int(n)
		case "indices":
			err = r.elements(func() error {
				n, err := r.count()
				p.Indices = append(p.Indices, int(n))
				return err
			})
		default:
			err = r.skip()
		}
		return err
	})
	return p, err
}

// mergeFacets adds a facetDistribution ({"attr":{"value":n}}) to facets,
// under the names of the filter parameters (params maps attributes to them).
func mergeFacets(facets map[string]map[string]int64, raw json.RawMessage, params map[string]string) error {
	if len(raw) == 0 {
		return nil
	}
	err := read(raw, func(r *reader) error {
		return r.members(func(attr []byte) error {
			param := params[string(attr)]
			if param == "" {
				return r.skip()
			}
			if facets[param] == nil {
				facets[param] = map[string]int64{}
			}
			return r.counts(facets[param])
		})
	})
	if err != nil {
		return fmt.Errorf("facet distribution: %w", err)
	}
	return nil
}

// counts adds the counts of an object of facet values to into.
func (r *reader) counts(into map[string]int64) error {
	return r.members(func(value []byte) error {
		v := string(value)
		n, err := r.count()
		into[v] += n
		return err
	})
}

// number returns a raw JSON number's value, 0 for anything else.
func number(raw json.RawMessage) float64 {
	f, _ := strconv.ParseFloat(string(raw), 64)
	return f
}
