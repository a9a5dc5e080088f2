package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gin-gonic/gin"
	"github.com/yuin/goldmark"

	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/openapi"
)

// The API reference (/api): a readable rendering of openapi/openapi.yaml,
// the contract the server is tested against.

// The spec's prose is CommonMark, rendered with goldmark (raw HTML in it
// is dropped). It is English; the Chinese page has its own introduction
// (api_intro.zh-CN.md) and, from api_zh.json, the tag names and the
// summaries, descriptions, parameters and responses of the operations
// and the schemas (TestAPITranslationsCoverTheSpec fails when one lacks
// its Chinese). Anything still without one is marked lang="en".

type apiParam struct {
	Name, In, Type string
	Description    template.HTML
	DescriptionEN  bool // Description is the spec's English one on another page
	Required       bool
}

type apiResponse struct {
	Status, Schema string
	Description    template.HTML
	DescriptionEN  bool
}

type apiOperation struct {
	ID          string // anchor
	Method      string
	Path        string
	Summary     string
	SummaryEN   bool // Summary is the spec's English one
	Description template.HTML
	// DescriptionEN: Description is the spec's English one on a page
	// in another language.
	DescriptionEN bool
	Params        []apiParam
	Body          string // schema of the request body
	Responses     []apiResponse
	Auth          bool
	Example       string // a curl line for GETs
}

type apiTag struct {
	Name, Title   string // Title: the tag's name for people
	Description   template.HTML
	DescriptionEN bool
	Operations    []apiOperation
}

type apiProperty struct {
	Name, Type, Code string
	Description      template.HTML
	DescriptionEN    bool
	Required         bool
}

type apiSchema struct {
	Name          string
	Description   template.HTML
	DescriptionEN bool
	Properties    []apiProperty
}

type apiDoc struct {
	Title         string
	Version       string
	Description   template.HTML
	DescriptionEN bool
	Tags          []apiTag
	Schemas       []apiSchema
}

//go:embed api_intro.zh-CN.md
var apiIntroZH string

// apiZH holds the Chinese of the API reference: the tags' names, the
// operations' summaries and descriptions (by operationId), their
// parameters (by component name when shared through $ref, else by
// operationId and name) and the responses' descriptions (by their
// English text, which many operations share) and the descriptions of
// the schemas and their properties (by their English text). Anything
// without one keeps its English, marked lang="en".
//
//go:embed api_zh.json
var apiZHJSON []byte

type apiTranslation struct {
	Tags             map[string][2]string         `json:"tags"` // name → [title, description]
	Summaries        map[string]string            `json:"summaries"`
	Descriptions     map[string]string            `json:"descriptions"`
	SharedParameters map[string]string            `json:"shared_parameters"` // #/components/parameters/<name>
	Parameters       map[string]map[string]string `json:"parameters"`        // operationId → name → text
	Responses        map[string]string            `json:"responses"`         // English description → Chinese
	Schemas          map[string]string            `json:"schemas"`           // English description → Chinese
}

// englishWord finds a word of English (two lower-case letters in a row):
// a schema's text without one — 事项编码, 处罚决定日期 (CF_JDRQ) — is
// Chinese already and needs no translation.
var englishWord = regexp.MustCompile(`[a-z]{2}`)

// schemaText is a schema's or property's description in the page's
// language, and whether it is English shown on a Chinese page.
func schemaText(s string, zh bool, render func(string) template.HTML) (template.HTML, bool) {
	if !zh || s == "" {
		return render(s), false
	}
	if t, ok := apiZH.Schemas[s]; ok {
		return render(t), false
	}
	return render(s), englishWord.MatchString(s)
}

// paramZH is the Chinese description of parameter pr of operation opID.
func (t apiTranslation) paramZH(opID string, pr *openapi3.ParameterRef) (string, bool) {
	if pr.Ref != "" {
		s, ok := t.SharedParameters[pr.Ref[strings.LastIndex(pr.Ref, "/")+1:]]
		return s, ok
	}
	s, ok := t.Parameters[opID][pr.Value.Name]
	return s, ok
}

var (
	apiSpecOnce sync.Once
	apiSpec     *openapi3.T
	apiZH       apiTranslation
	apiSpecErr  error
	apiDocs     sync.Map // i18n.Lang → apiDoc
)

var markdown = goldmark.New()

// markdownHTML renders CommonMark text as HTML.
func markdownHTML(s string) template.HTML {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(strings.TrimSpace(s)), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(s)) // goldmark fails only on its writer
	}
	return template.HTML(b.String()) // goldmark escapes text and drops raw HTML
}

// markdownInline renders one paragraph of CommonMark for a table cell:
// without its <p>.
func markdownInline(s string) template.HTML {
	h := strings.TrimSpace(string(markdownHTML(s)))
	if strings.HasPrefix(h, "<p>") && strings.HasSuffix(h, "</p>") && strings.Count(h, "<p>") == 1 {
		h = h[3 : len(h)-4]
	}
	return template.HTML(h)
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

// loadAPIDoc is the API reference in language l, built once per language.
func loadAPIDoc(l i18n.Lang) (apiDoc, error) {
	apiSpecOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
		if err != nil {
			apiSpecErr = fmt.Errorf("openapi.yaml: %w", err)
			return
		}
		if err := json.Unmarshal(apiZHJSON, &apiZH); err != nil {
			apiSpecErr = fmt.Errorf("api_zh.json: %w", err)
			return
		}
		apiSpec = doc
	})
	if apiSpecErr != nil {
		return apiDoc{}, apiSpecErr
	}
	if d, ok := apiDocs.Load(l); ok {
		return d.(apiDoc), nil
	}
	zh := l != i18n.English
	d := apiDoc{Title: apiSpec.Info.Title, Version: apiSpec.Info.Version, Description: markdownHTML(apiSpec.Info.Description),
		DescriptionEN: zh, Tags: apiTags(apiSpec, zh), Schemas: apiSchemas(apiSpec, zh)}
	if zh {
		d.Description, d.DescriptionEN = markdownHTML(apiIntroZH), false
	}
	apiDocs.Store(l, d)
	return d, nil
}

// apiTags are the operations of the spec by their first tag, tags in the
// spec's order (operations without one under "other"), each tag's
// operations by path; zh: with their Chinese names and summaries.
func apiTags(doc *openapi3.T, zh bool) []apiTag {
	byTag := map[string]*apiTag{}
	var order []string
	for _, t := range doc.Tags {
		at := &apiTag{Name: t.Name, Title: t.Name, Description: markdownInline(t.Description), DescriptionEN: zh}
		if tr, ok := apiZH.Tags[t.Name]; ok && zh {
			at.Title, at.Description, at.DescriptionEN = tr[0], markdownInline(tr[1]), false
		}
		byTag[t.Name] = at
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
				byTag[tag] = &apiTag{Name: tag, Title: tag}
				order = append(order, tag)
			}
			ao := apiOperationOf(method, p, item, op, zh)
			byTag[tag].Operations = append(byTag[tag].Operations, ao)
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

// apiOperationOf describes one operation; zh: in Chinese where
// api_zh.json has it.
func apiOperationOf(method, p string, item *openapi3.PathItem, op *openapi3.Operation, zh bool) apiOperation {
	ao := apiOperation{Method: method, Path: p, Summary: op.Summary, Description: markdownHTML(op.Description),
		ID: strings.ToLower(method) + strings.NewReplacer("/", "-", "{", "", "}", "", ".", "-").Replace(p)}
	if zh {
		if s, ok := apiZH.Summaries[op.OperationID]; ok {
			ao.Summary = s
		} else {
			ao.SummaryEN = op.Summary != ""
		}
		if s, ok := apiZH.Descriptions[op.OperationID]; ok {
			ao.Description = markdownHTML(s)
		} else {
			ao.DescriptionEN = op.Description != ""
		}
	}
	params := append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...)
	for _, pr := range params {
		if pr.Value == nil {
			continue
		}
		ap := apiParam{Name: pr.Value.Name, In: pr.Value.In, Required: pr.Value.Required,
			Description: markdownInline(pr.Value.Description), Type: schemaType(pr.Value.Schema)}
		if zh {
			if s, ok := apiZH.paramZH(op.OperationID, pr); ok {
				ap.Description = markdownInline(s)
			} else {
				ap.DescriptionEN = pr.Value.Description != ""
			}
		}
		ao.Params = append(ao.Params, ap)
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
			if d := r.Value.Description; d != nil {
				ar.Description = markdownInline(*d)
				if s, ok := apiZH.Responses[*d]; ok && zh {
					ar.Description = markdownInline(s)
				} else {
					ar.DescriptionEN = zh && *d != ""
				}
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

// apiSchemas are the component schemas by name, with their properties;
// zh: described in Chinese where api_zh.json has it.
func apiSchemas(doc *openapi3.T, zh bool) []apiSchema {
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
		as := apiSchema{Name: n}
		as.Description, as.DescriptionEN = schemaText(s.Description, zh, markdownHTML)
		props := make([]string, 0, len(s.Properties))
		for p := range s.Properties {
			props = append(props, p)
		}
		sort.Strings(props)
		for _, p := range props {
			ps := s.Properties[p]
			ap := apiProperty{Name: p, Type: schemaType(ps), Required: slices.Contains(s.Required, p)}
			if ps.Value != nil {
				ap.Description, ap.DescriptionEN = schemaText(ps.Value.Description, zh, markdownInline)
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
	pr := printer(c)
	doc, err := loadAPIDoc(pr.Lang())
	if err != nil {
		return err
	}
	d := &apiPage{pageData: h.page(c, pr.T("api.title"), "api"), Doc: doc}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("api.title"), ""}}
	return h.render(c, "api", d)
}
