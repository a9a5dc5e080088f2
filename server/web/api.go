package web

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/openapi"
)

// The API reference (/api): a readable rendering of openapi/openapi.yaml,
// the contract the server is tested against.

type apiParam struct {
	Name, In, Type, Description string
	Required                    bool
}

type apiResponse struct {
	Status, Description, Schema string
}

type apiOperation struct {
	ID          string // anchor
	Method      string
	Path        string
	Summary     string
	Description []string // paragraphs
	Params      []apiParam
	Body        string // schema of the request body
	Responses   []apiResponse
	Auth        bool
	Example     string // a curl line for GETs
}

type apiTag struct {
	Name, Description string
	Operations        []apiOperation
}

type apiProperty struct {
	Name, Type, Description, Code string
	Required                      bool
}

type apiSchema struct {
	Name        string
	Description []string
	Properties  []apiProperty
}

type apiDoc struct {
	Title       string
	Version     string
	Description []string
	Tags        []apiTag
	Schemas     []apiSchema
}

var (
	apiDocOnce sync.Once
	apiDocVal  apiDoc
	apiDocErr  error
)

// paragraphs splits Markdown-ish text into paragraphs, joining wrapped
// lines and keeping list items apart.
func paragraphs(s string) []string {
	var out []string
	for _, block := range strings.Split(strings.TrimSpace(s), "\n\n") {
		var cur []string
		flush := func() {
			if len(cur) > 0 {
				out = append(out, strings.Join(cur, " "))
				cur = nil
			}
		}
		for _, line := range strings.Split(block, "\n") {
			line = strings.TrimSpace(line)
			if strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "- ") {
				flush()
				line = "• " + line[2:]
			}
			if line != "" {
				cur = append(cur, line)
			}
		}
		flush()
	}
	return out
}

func schemaType(s *openapi3.SchemaRef) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
	}
	v := s.Value
	if v == nil {
		return ""
	}
	var types []string
	if v.Type != nil {
		types = v.Type.Slice()
	}
	t := strings.Join(types, " | ")
	if v.Items != nil {
		t = "array of " + schemaType(v.Items)
	}
	if len(v.Enum) > 0 {
		var vals []string
		for _, e := range v.Enum {
			vals = append(vals, fmt.Sprint(e))
		}
		t += " (" + strings.Join(vals, ", ") + ")"
	}
	if v.Format != "" {
		t += ", " + v.Format
	}
	if t == "" && len(v.OneOf)+len(v.AnyOf) > 0 {
		var alts []string
		for _, a := range append(v.OneOf, v.AnyOf...) {
			alts = append(alts, schemaType(a))
		}
		t = strings.Join(alts, " | ")
	}
	return t
}

func loadAPIDoc() (apiDoc, error) {
	apiDocOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(openapi.Spec)
		if err != nil {
			apiDocErr = fmt.Errorf("openapi.yaml: %w", err)
			return
		}
		apiDocVal = apiDoc{Title: doc.Info.Title, Version: doc.Info.Version, Description: paragraphs(doc.Info.Description),
			Tags: apiTags(doc), Schemas: apiSchemas(doc)}
	})
	return apiDocVal, apiDocErr
}

// apiTags are the operations of the spec by their first tag, tags in the
// spec's order (operations without one under "other"), each tag's
// operations by path.
func apiTags(doc *openapi3.T) []apiTag {
	byTag := map[string]*apiTag{}
	var order []string
	for _, t := range doc.Tags {
		byTag[t.Name] = &apiTag{Name: t.Name, Description: t.Description}
		order = append(order, t.Name)
	}
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, p := range paths {
		item := doc.Paths.Value(p)
		for _, method := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"} {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			tag := "other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			if byTag[tag] == nil {
				byTag[tag] = &apiTag{Name: tag}
				order = append(order, tag)
			}
			byTag[tag].Operations = append(byTag[tag].Operations, apiOperationOf(method, p, item, op))
		}
	}
	var out []apiTag
	for _, name := range order {
		if t := byTag[name]; len(t.Operations) > 0 {
			out = append(out, *t)
		}
	}
	return out
}

// apiOperationOf describes one operation.
func apiOperationOf(method, p string, item *openapi3.PathItem, op *openapi3.Operation) apiOperation {
	ao := apiOperation{Method: method, Path: p, Summary: op.Summary, Description: paragraphs(op.Description),
		ID: strings.ToLower(method) + strings.NewReplacer("/", "-", "{", "", "}", "", ".", "-").Replace(p)}
	params := append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...)
	for _, pr := range params {
		if pr.Value == nil {
			continue
		}
		ao.Params = append(ao.Params, apiParam{Name: pr.Value.Name, In: pr.Value.In, Required: pr.Value.Required,
			Description: pr.Value.Description, Type: schemaType(pr.Value.Schema)})
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		if ct, mt := firstContent(op.RequestBody.Value.Content); mt != nil {
			ao.Body = ct + ": " + schemaType(mt.Schema)
		}
	}
	if op.Responses != nil {
		codes := make([]string, 0)
		for code := range op.Responses.Map() {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			r := op.Responses.Value(code)
			if r == nil || r.Value == nil {
				continue
			}
			ar := apiResponse{Status: code}
			if r.Value.Description != nil {
				ar.Description = *r.Value.Description
			}
			if ct, mt := firstContent(r.Value.Content); mt != nil {
				ar.Schema = ct + ": " + schemaType(mt.Schema)
			}
			ao.Responses = append(ao.Responses, ar)
		}
	}
	ao.Auth = op.Security != nil && len(*op.Security) > 0
	if method == "GET" && !ao.Auth && strings.HasPrefix(p, "/api/") && !strings.Contains(p, "{") {
		ao.Example = "curl -s '" + p + "'"
	}
	return ao
}

// firstContent is the content of c whose media type sorts first, so the
// page is the same on every start; nil when there is none.
func firstContent(c openapi3.Content) (string, *openapi3.MediaType) {
	types := make([]string, 0, len(c))
	for ct := range c {
		types = append(types, ct)
	}
	if len(types) == 0 {
		return "", nil
	}
	sort.Strings(types)
	return types[0], c[types[0]]
}

// apiSchemas are the component schemas by name, with their properties.
func apiSchemas(doc *openapi3.T) []apiSchema {
	if doc.Components == nil {
		return nil
	}
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []apiSchema
	for _, n := range names {
		s := doc.Components.Schemas[n].Value
		if s == nil {
			continue
		}
		as := apiSchema{Name: n, Description: paragraphs(s.Description)}
		props := make([]string, 0, len(s.Properties))
		for p := range s.Properties {
			props = append(props, p)
		}
		sort.Strings(props)
		for _, p := range props {
			ps := s.Properties[p]
			ap := apiProperty{Name: p, Type: schemaType(ps), Required: slices.Contains(s.Required, p)}
			if ps.Value != nil {
				ap.Description = ps.Value.Description
				if code, ok := ps.Value.Extensions["x-standard-code"]; ok {
					ap.Code = fmt.Sprint(code)
				}
			}
			as.Properties = append(as.Properties, ap)
		}
		out = append(out, as)
	}
	return out
}

type apiPage struct {
	pageData
	Doc apiDoc
}

func (h *Handlers) apiReference(c *gin.Context) error {
	doc, err := loadAPIDoc()
	if err != nil {
		return err
	}
	pr := printer(c)
	d := &apiPage{pageData: h.page(c, pr.T("api.title"), "api"), Doc: doc}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("api.title"), ""}}
	return h.render(c, "api", d)
}
