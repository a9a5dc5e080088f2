package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/server/httpx"
)

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

func (d *districtIndex) resolve(ctx context.Context, rs ReadStore, p *httpx.Params, name string) (string, error) {
	v := p.Str(name)
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
	p.Fail(name, "unknown district; give one of the codes "+strings.Join(codes, ", ")+" or its name")
	return "", nil
}

// publicCache marks a successful public response as cacheable for a
// minute by browsers and shared caches.
func publicCache(c *gin.Context) { c.Header("Cache-Control", "public, max-age=60") }

func writeJSON(c *gin.Context, v any) error {
	publicCache(c)
	c.JSON(http.StatusOK, v)
	return nil
}
