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
		out := apiDoc{Title: doc.Info.Title, Version: doc.Info.Version, Description: paragraphs(doc.Info.Description)}
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
					for ct, mt := range op.RequestBody.Value.Content {
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
						for ct, mt := range r.Value.Content {
							ar.Schema = ct + ": " + schemaType(mt.Schema)
							break
						}
						ao.Responses = append(ao.Responses, ar)
					}
				}
				ao.Auth = op.Security != nil && len(*op.Security) > 0
				if method == "GET" && !ao.Auth && strings.HasPrefix(p, "/api/") && !strings.Contains(p, "{") {
					ao.Example = "curl -s '" + p + "'"
				}
				tag := "other"
				if len(op.Tags) > 0 {
					tag = op.Tags[0]
				}
				if byTag[tag] == nil {
					byTag[tag] = &apiTag{Name: tag}
					order = append(order, tag)
				}
				byTag[tag].Operations = append(byTag[tag].Operations, ao)
			}
		}
		for _, name := range order {
			if t := byTag[name]; len(t.Operations) > 0 {
				out.Tags = append(out.Tags, *t)
			}
		}
		if doc.Components != nil {
			names := make([]string, 0, len(doc.Components.Schemas))
			for n := range doc.Components.Schemas {
				names = append(names, n)
			}
			sort.Strings(names)
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
				out.Schemas = append(out.Schemas, as)
			}
		}
		apiDocVal = out
	})
	return apiDocVal, apiDocErr
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
