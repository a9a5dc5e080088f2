package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// The lists (权力清单, 责任清单, 公共服务事项清单) and the power items with
// their operation guides and flowcharts.

// noVersion is the 404 of a list or version that does not exist.
func noVersion(kind domain.ListKind, n int) error {
	if n == 0 {
		return httpx.NotFound("the " + string(kind) + " list has not been published yet")
	}
	return httpx.NotFound(fmt.Sprintf("the %s list has no version %d", kind, n))
}

type powersJSON struct {
	Version versionJSON        `json:"version"`
	Count   int                `json:"count"`
	Items   []powerSummaryJSON `json:"items"`
}

func (h readHandlers) powers(c *gin.Context) error {
	p := httpx.QueryParams(c, "category", "version")
	category := p.Enum("category", domain.PowerCategories)
	n := versionParam(p)
	if p.Err() != nil {
		return p.Err()
	}
	v, items, err := h.store.PowerItems(c.Request.Context(), n, category)
	if errors.Is(err, store.ErrNotFound) {
		return noVersion(domain.ListPowers, n)
	}
	if err != nil {
		return err
	}
	out := powersJSON{Version: versionOf(v), Count: len(items), Items: make([]powerSummaryJSON, len(items))}
	for i, it := range items {
		out.Items[i] = powerSummaryOf(it, n)
	}
	return writeJSON(c, out)
}

// powerItem reads the item a request names by :code and ?version.
func (h readHandlers) powerItem(c *gin.Context) (store.VersionInfo, domain.PowerItem, int, error) {
	code := c.Param("code")
	if !domain.IsItemCode(code) {
		return store.VersionInfo{}, domain.PowerItem{}, 0, httpx.BadRequest("code", "a 事项编码 has digits, upper-case letters and -")
	}
	p := httpx.QueryParams(c, "version")
	n := versionParam(p)
	if p.Err() != nil {
		return store.VersionInfo{}, domain.PowerItem{}, 0, p.Err()
	}
	v, it, err := h.store.PowerItem(c.Request.Context(), code, n)
	if errors.Is(err, store.ErrNotFound) {
		if _, verr := h.store.ListVersion(c.Request.Context(), domain.ListPowers, n); errors.Is(verr, store.ErrNotFound) {
			return store.VersionInfo{}, domain.PowerItem{}, 0, noVersion(domain.ListPowers, n)
		}
		return store.VersionInfo{}, domain.PowerItem{}, 0, httpx.NotFound("no power item with this code in this version")
	}
	return v, it, n, err
}

func (h readHandlers) power(c *gin.Context) error {
	v, it, n, err := h.powerItem(c)
	if err != nil {
		return err
	}
	return writeJSON(c, powerItemOf(v, it, n > 0))
}

func (h readHandlers) flowchart(c *gin.Context) error {
	_, it, _, err := h.powerItem(c)
	if err != nil {
		return err
	}
	if len(it.Flow.Nodes) == 0 {
		return httpx.NotFound("this item has no flowchart")
	}
	title := it.Name + "（" + it.Code + "）办理流程图"
	draw := h.flowcharts.RenderTitled
	if flowchart.IsGeneric(it.Category, it.Flow) {
		draw = h.flowcharts.RenderGeneric // the category's template, not the item's own: labelled, no time limits
	}
	svg, err := draw(c.Request.Context(), title, it.Flow)
	if errors.Is(err, flowchart.ErrUnavailable) {
		return fmt.Errorf("%w: %w", httpx.NewError(http.StatusServiceUnavailable, "unavailable", "the flowchart cannot be drawn at the moment; retry shortly"), err)
	}
	if err != nil {
		return err
	}
	publicCache(c)
	c.Data(http.StatusOK, "image/svg+xml; charset=utf-8", svg)
	return nil
}

type listJSON struct {
	Kind     string        `json:"kind"`
	Title    string        `json:"title"`
	Version  versionJSON   `json:"version"`
	Versions []versionJSON `json:"versions,omitempty"`
	Count    int           `json:"count"`
	Items    any           `json:"items"`
}

// listReaders read version n (0: current) of each list with its items
// in their JSON form, and how many there are.
var listReaders = map[domain.ListKind]func(ctx context.Context, rs ReadStore, n int) (store.VersionInfo, any, int, error){
	domain.ListPowers: func(ctx context.Context, rs ReadStore, n int) (store.VersionInfo, any, int, error) {
		v, items, err := rs.PowerItems(ctx, n, "")
		js := make([]powerSummaryJSON, len(items))
		for i, it := range items {
			js[i] = powerSummaryOf(it, n)
		}
		return v, js, len(js), err
	},
	domain.ListResponsibilities: func(ctx context.Context, rs ReadStore, n int) (store.VersionInfo, any, int, error) {
		v, items, err := rs.Responsibilities(ctx, n)
		if items == nil {
			items = []domain.ResponsibilityItem{}
		}
		return v, items, len(items), err
	},
	domain.ListPublicServices: func(ctx context.Context, rs ReadStore, n int) (store.VersionInfo, any, int, error) {
		v, items, err := rs.Services(ctx, n)
		if items == nil {
			items = []domain.ServiceItem{}
		}
		for i := range items {
			items[i].Materials = nonNilStrings(items[i].Materials)
			items[i].Flow = nonNilFlow(items[i].Flow)
		}
		return v, items, len(items), err
	},
}

// listItems reads version n (0: current) of a list with its items.
func (h readHandlers) listItems(c *gin.Context, kind domain.ListKind, n int) (listJSON, error) {
	out := listJSON{Kind: string(kind), Title: kind.Info().Title}
	v, items, count, err := listReaders[kind](c.Request.Context(), h.store, n)
	out.Items, out.Count = items, count
	if errors.Is(err, store.ErrNotFound) {
		return listJSON{}, noVersion(kind, n)
	}
	if err != nil {
		return listJSON{}, err
	}
	out.Version = versionOf(v)
	return out, nil
}

// list serves the current version of a list with its items and the
// description of every version.
func (h readHandlers) list(c *gin.Context) error {
	kind, err := listKind(c)
	if err != nil {
		return err
	}
	if p := httpx.QueryParams(c); p.Err() != nil {
		return p.Err()
	}
	out, err := h.listItems(c, kind, 0)
	if err != nil {
		return err
	}
	vs, err := h.store.ListVersions(c.Request.Context(), kind)
	if err != nil {
		return err
	}
	out.Versions = make([]versionJSON, len(vs))
	for i, v := range vs {
		out.Versions[i] = versionOf(v)
	}
	return writeJSON(c, out)
}

type versionsJSON struct {
	Kind     string        `json:"kind"`
	Title    string        `json:"title"`
	Versions []versionJSON `json:"versions"`
}

func (h readHandlers) listVersions(c *gin.Context) error {
	kind, err := listKind(c)
	if err != nil {
		return err
	}
	if p := httpx.QueryParams(c); p.Err() != nil {
		return p.Err()
	}
	vs, err := h.store.ListVersions(c.Request.Context(), kind)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return noVersion(kind, 0)
	}
	out := versionsJSON{Kind: string(kind), Title: kind.Info().Title, Versions: make([]versionJSON, len(vs))}
	for i, v := range vs {
		out.Versions[i] = versionOf(v)
	}
	return writeJSON(c, out)
}

// versionRequest reads the :kind and :n of a version's endpoint, which
// takes no query parameters.
func versionRequest(c *gin.Context) (domain.ListKind, int, error) {
	kind, err := listKind(c)
	if err != nil {
		return "", 0, err
	}
	n, err := versionNumber(c)
	if err != nil {
		return "", 0, err
	}
	return kind, n, httpx.QueryParams(c).Err()
}

func (h readHandlers) listVersion(c *gin.Context) error {
	kind, n, err := versionRequest(c)
	if err != nil {
		return err
	}
	out, err := h.listItems(c, kind, n)
	if err != nil {
		return err
	}
	return writeJSON(c, out)
}

type changeJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type changesJSON struct {
	Kind     string       `json:"kind"`
	Title    string       `json:"title"`
	Version  versionJSON  `json:"version"`
	Previous *int         `json:"previous"`
	Added    []changeJSON `json:"added"`
	Changed  []changeJSON `json:"changed"`
	Removed  []changeJSON `json:"removed"`
}

func (h readHandlers) listChanges(c *gin.Context) error {
	kind, n, err := versionRequest(c)
	if err != nil {
		return err
	}
	v, cs, err := h.store.ListChanges(c.Request.Context(), kind, n)
	if errors.Is(err, store.ErrNotFound) {
		return noVersion(kind, n)
	}
	if err != nil {
		return err
	}
	out := changesJSON{Kind: string(kind), Title: kind.Info().Title, Version: versionOf(v),
		Added: []changeJSON{}, Changed: []changeJSON{}, Removed: []changeJSON{}}
	if v.Number > 1 {
		prev := v.Number - 1
		out.Previous = &prev
	}
	for _, ch := range cs {
		j := changeJSON{ch.Code, ch.Name}
		switch ch.Change {
		case "added":
			out.Added = append(out.Added, j)
		case "changed":
			out.Changed = append(out.Changed, j)
		case "removed":
			out.Removed = append(out.Removed, j)
		}
	}
	return writeJSON(c, out)
}
