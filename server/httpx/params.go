package httpx

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// Params reads and validates the query parameters of one request. Every
// problem becomes a 400 naming the parameter: an unknown or repeated
// parameter, or a value of the wrong form. An empty value counts as absent.
// The first problem found is kept and reported by Err.
type Params struct {
	Values url.Values
	err    *Error
}

// QueryParams checks that the request uses only the allowed parameters,
// each at most once.
func QueryParams(c *gin.Context, allowed ...string) *Params {
	p := &Params{Values: c.Request.URL.Query()}
	p.err = Accept(allowed...).problem(p.Values)
	return p
}

// RepeatedMessage is the message of the FieldError of a parameter given
// more than once.
const RepeatedMessage = "given more than once"

// Accepted is the set of query parameters a route takes: each at most
// once, except those made Repeatable.
type Accepted struct {
	names, repeatable []string
}

// Accept declares the query parameters a route takes.
func Accept(names ...string) Accepted { return Accepted{names: names} }

// Repeatable adds parameters that may be given any number of times (the
// search filters).
func (a Accepted) Repeatable(names ...string) Accepted {
	return Accepted{names: slices.Concat(a.names, names), repeatable: slices.Concat(a.repeatable, names)}
}

// problem is the 400 of the first parameter, in name order, that vs
// should not have: an unknown one (code domain.CodeUnknown) or a repeated
// one (RepeatedMessage); nil when there is none.
func (a Accepted) problem(vs url.Values) *Error {
	if len(vs) == 0 {
		return nil
	}
	names := make([]string, 0, len(vs))
	for k := range vs {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch {
		case !slices.Contains(a.names, k):
			msg := "unknown query parameter"
			if len(a.names) == 0 {
				msg += "; this endpoint takes none"
			} else {
				msg += "; this endpoint takes " + strings.Join(a.names, ", ")
			}
			e := BadRequest(k, msg)
			e.Errors[0].Code = domain.CodeUnknown
			return e
		case len(vs[k]) > 1 && !slices.Contains(a.repeatable, k):
			return BadRequest(k, RepeatedMessage)
		}
	}
	return nil
}

// acceptedKey holds, in a request's context, the Accepted of its route.
const acceptedKey = "gongshi.query.accepted"

// Check is the middleware of a route taking the parameters a: a request
// with any other, or with one repeated that may not be, is answered by
// errs with a 400 naming it, before the route's policies run — so the
// response cache never sees, nor keys on, a parameter the route ignores.
func (a Accepted) Check(errs Adapter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.URL.RawQuery != "" {
			if e := a.problem(c.Request.URL.Query()); e != nil {
				errs.Fail(c, e)
				return
			}
		}
		c.Set(acceptedKey, a)
		c.Next()
	}
}

// canonical is the query of vs for a cache key: the accepted parameters
// only, sorted by name, each name's values in the order given.
func (a Accepted) canonical(vs url.Values) string {
	for k := range vs {
		if !slices.Contains(a.names, k) {
			delete(vs, k)
		}
	}
	return vs.Encode()
}

// Err is the first problem found, or nil.
func (p *Params) Err() error {
	if p.err == nil {
		return nil
	}
	return p.err
}

// Fail records a problem of parameter name, unless one was found before.
func (p *Params) Fail(name, msg string) {
	if p.err == nil {
		p.err = BadRequest(name, msg)
	}
}

// Str returns the trimmed value of a parameter, "" when absent.
func (p *Params) Str(name string) string { return strings.TrimSpace(p.Values.Get(name)) }

// Enum returns a parameter that must be one of allowed.
func (p *Params) Enum(name string, allowed []string) string {
	v := p.Str(name)
	if v != "" && !slices.Contains(allowed, v) {
		p.Fail(name, "must be one of "+strings.Join(allowed, ", "))
	}
	return v
}

// Date returns a YYYY-MM-DD parameter; the zero time when absent.
func (p *Params) Date(name string) time.Time {
	v := p.Str(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(domain.DateLayout, v)
	if err != nil {
		p.Fail(name, "must be a date YYYY-MM-DD")
	}
	return t
}

// DateRange reads name_from and name_to, which must be in order.
func (p *Params) DateRange(name string) (time.Time, time.Time) {
	from, to := p.Date(name+"_from"), p.Date(name+"_to")
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		p.Fail(name+"_to", "is before "+name+"_from")
	}
	return from, to
}

// Yuan returns an amount in yuan; nil when absent.
func (p *Params) Yuan(name string) *domain.Money {
	v := p.Str(name)
	if v == "" {
		return nil
	}
	m, err := domain.ParseYuan(v)
	if err != nil {
		p.Fail(name, "must be an amount in yuan, a non-negative decimal with at most two places")
		return nil
	}
	return &m
}

// IntIn returns an integer parameter from lo to hi; def when absent.
func (p *Params) IntIn(name string, def, lo, hi int) int {
	v := p.Str(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.Fail(name, fmt.Sprintf("must be an integer from %d to %d", lo, hi))
		return def
	}
	return n
}

// CreditCode reads a 统一社会信用代码, normalised and checked.
func (p *Params) CreditCode(name string) string {
	v := domain.NormalizeCode(p.Str(name))
	if v == "" {
		return ""
	}
	if domain.IsUSCCPlaceholder(v) {
		p.Fail(name, "the placeholder 00000000000000000X identifies no single party")
		return ""
	}
	if err := domain.ValidateUSCC(v); err != nil {
		p.Fail(name, "not a valid 统一社会信用代码: "+err.Error())
		return ""
	}
	return v
}

// Sort reads a sort of the given keys, each optionally preceded by -.
func (p *Params) Sort(name string, keys []string) store.Sort {
	v := p.Str(name)
	if v == "" {
		return store.DefaultSort
	}
	s, ok := store.ParseSort(v, keys)
	if !ok {
		p.Fail(name, "must be one of "+strings.Join(keys, ", ")+", each optionally preceded by - for descending order")
	}
	return s
}

// PathInt reads a positive integer path parameter.
func PathInt(c *gin.Context, name string) (int64, error) {
	n, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, BadRequest(name, "must be a positive integer")
	}
	return n, nil
}
