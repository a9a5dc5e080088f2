package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// params reads and validates the query parameters of one request. Every
// problem becomes a 400 naming the parameter: an unknown or repeated
// parameter, or a value of the wrong form. An empty value counts as absent.
// The first problem found is kept and reported by err.
type params struct {
	vals url.Values
	err  *Error
}

// queryParams checks that the request uses only the allowed parameters,
// each at most once.
func queryParams(c *gin.Context, allowed ...string) *params {
	p := &params{vals: c.Request.URL.Query()}
	names := make([]string, 0, len(p.vals))
	for k := range p.vals {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch {
		case !slices.Contains(allowed, k):
			msg := "unknown query parameter"
			if len(allowed) == 0 {
				msg += "; this endpoint takes none"
			} else {
				msg += "; this endpoint takes " + strings.Join(allowed, ", ")
			}
			p.fail(k, msg)
		case len(p.vals[k]) > 1:
			p.fail(k, "given more than once")
		}
	}
	return p
}

func (p *params) fail(name, msg string) {
	if p.err == nil {
		p.err = badRequest(name, msg)
	}
}

// str returns the trimmed value of a parameter, "" when absent.
func (p *params) str(name string) string { return strings.TrimSpace(p.vals.Get(name)) }

func (p *params) enum(name string, allowed []string) string {
	v := p.str(name)
	if v != "" && !slices.Contains(allowed, v) {
		p.fail(name, "must be one of "+strings.Join(allowed, ", "))
	}
	return v
}

func (p *params) date(name string) time.Time {
	v := p.str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(domain.DateLayout, v)
	if err != nil {
		p.fail(name, "must be a date YYYY-MM-DD")
	}
	return t
}

// dateRange reads name_from and name_to, which must be in order.
func (p *params) dateRange(name string) (time.Time, time.Time) {
	from, to := p.date(name+"_from"), p.date(name+"_to")
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		p.fail(name+"_to", "is before "+name+"_from")
	}
	return from, to
}

func (p *params) yuan(name string) *domain.Money {
	v := p.str(name)
	if v == "" {
		return nil
	}
	m, err := domain.ParseYuan(v)
	if err != nil {
		p.fail(name, "must be an amount in yuan, a non-negative decimal with at most two places")
		return nil
	}
	return &m
}

func (p *params) intIn(name string, def, lo, hi int) int {
	v := p.str(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(name, fmt.Sprintf("must be an integer from %d to %d", lo, hi))
		return def
	}
	return n
}

// creditCode reads a 统一社会信用代码, normalised and checked.
func (p *params) creditCode(name string) string {
	v := domain.NormalizeCode(p.str(name))
	if v == "" {
		return ""
	}
	if domain.IsUSCCPlaceholder(v) {
		p.fail(name, "the placeholder 00000000000000000X identifies no single party")
		return ""
	}
	if err := domain.ValidateUSCC(v); err != nil {
		p.fail(name, "not a valid 统一社会信用代码: "+err.Error())
		return ""
	}
	return v
}

func (p *params) sort(name string, keys []string) store.Sort {
	v := p.str(name)
	if v == "" {
		return store.DefaultSort
	}
	s, ok := store.ParseSort(v, keys)
	if !ok {
		p.fail(name, "must be one of "+strings.Join(keys, ", ")+", each optionally preceded by - for descending order")
	}
	return s
}

// districtIndex resolves a district parameter, given by its 6-digit code
// or its name, against the districts of the database. The districts are
// reference data: they are read once, and again after a failure.
type districtIndex struct {
	mu     sync.Mutex
	byCode map[string]string
	byName map[string]string
}

func (d *districtIndex) load(ctx context.Context, rs ReadStore) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.byCode != nil {
		return nil
	}
	ds, err := rs.Districts(ctx)
	if err != nil {
		return err
	}
	byCode, byName := map[string]string{}, map[string]string{}
	for _, x := range ds {
		byCode[x.Code], byName[x.Name] = x.Code, x.Code
	}
	d.byCode, d.byName = byCode, byName
	return nil
}

func (d *districtIndex) resolve(ctx context.Context, rs ReadStore, p *params, name string) (string, error) {
	v := p.str(name)
	if v == "" {
		return "", nil
	}
	if err := d.load(ctx, rs); err != nil {
		return "", err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if code, ok := d.byCode[v]; ok {
		return code, nil
	}
	if code, ok := d.byName[v]; ok {
		return code, nil
	}
	codes := make([]string, 0, len(d.byCode))
	for c := range d.byCode {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	p.fail(name, "unknown district; give one of the codes "+strings.Join(codes, ", ")+" or its name")
	return "", nil
}

// pathInt reads a positive integer path parameter.
func pathInt(c *gin.Context, name string) (int64, error) {
	n, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, badRequest(name, "must be a positive integer")
	}
	return n, nil
}

// publicCache marks a successful public response as cacheable for a
// minute by browsers and shared caches.
func publicCache(c *gin.Context) { c.Header("Cache-Control", "public, max-age=60") }

func writeJSON(c *gin.Context, v any) error {
	publicCache(c)
	c.JSON(http.StatusOK, v)
	return nil
}
