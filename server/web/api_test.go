package web

import (
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gongshi/gongshi/internal/i18n"
)

// hasHan reports whether s has a Chinese character.
func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

// Every operation of the spec, each of its parameters and responses,
// and every schema and property described in English has its Chinese in
// api_zh.json, and api_zh.json names nothing the spec lacks: an operation or parameter added to openapi.yaml without its
// Chinese fails here, as does a translation left behind by a removed one.
func TestAPITranslationsCoverTheSpec(t *testing.T) {
	if _, err := loadAPIDoc(i18n.English); err != nil {
		t.Fatal(err)
	}
	usedOps := map[string]bool{}
	usedShared := map[string]bool{}
	usedParams := map[string]bool{}
	usedResponses := map[string]bool{}
	for _, p := range apiSpec.Paths.InMatchingOrder() {
		item := apiSpec.Paths.Value(p)
		for method, op := range item.Operations() {
			id := op.OperationID
			where := method + " " + p + " (" + id + ")"
			usedOps[id] = true
			if s := apiZH.Summaries[id]; !hasHan(s) {
				t.Errorf("%s: no Chinese summary (summaries.%s)", where, id)
			}
			if _, ok := apiZH.Descriptions[id]; ok != (op.Description != "") {
				t.Errorf("%s: the spec has a description: %v, api_zh.json descriptions.%s: %v", where, op.Description != "", id, ok)
			}
			for _, pr := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				s, ok := apiZH.paramZH(id, pr)
				if pr.Ref != "" {
					usedShared[pr.Ref[strings.LastIndex(pr.Ref, "/")+1:]] = true
				} else {
					usedParams[id+"."+pr.Value.Name] = true
				}
				if !ok || !hasHan(s) {
					t.Errorf("%s: parameter %s has no Chinese description (%s)", where, pr.Value.Name, firstNonEmpty(pr.Ref, "parameters."+id+"."+pr.Value.Name))
				}
			}
			for code, r := range op.Responses.Map() {
				if r.Value == nil || r.Value.Description == nil || *r.Value.Description == "" {
					continue
				}
				d := *r.Value.Description
				usedResponses[d] = true
				if _, ok := apiZH.Responses[d]; !ok {
					t.Errorf("%s: response %s has no Chinese description for %q", where, code, d)
				}
			}
		}
	}
	for _, tag := range apiSpec.Tags {
		if tr, ok := apiZH.Tags[tag.Name]; !ok || !hasHan(tr[0]) || tag.Description != "" && !hasHan(tr[1]) {
			t.Errorf("tag %s: no Chinese name and description (tags.%s)", tag.Name, tag.Name)
		}
	}
	usedSchemaTexts := map[string]bool{}
	for name, ref := range apiSpec.Components.Schemas {
		s := ref.Value
		texts := map[string]string{name: s.Description}
		for p, ps := range s.Properties {
			if ps.Value != nil {
				texts[name+"."+p] = ps.Value.Description
			}
		}
		for where, d := range texts {
			if d == "" {
				continue
			}
			usedSchemaTexts[d] = true
			if _, ok := apiZH.Schemas[d]; !ok && englishWord.MatchString(d) {
				t.Errorf("schema %s: no Chinese description for %q", where, d)
			}
		}
	}
	for d := range apiZH.Schemas {
		if !usedSchemaTexts[d] {
			t.Errorf("api_zh.json schemas: no schema or property says %q", d)
		}
	}
	for id := range apiZH.Summaries {
		if !usedOps[id] {
			t.Errorf("api_zh.json summaries.%s: no such operation", id)
		}
	}
	for id := range apiZH.Descriptions {
		if !usedOps[id] {
			t.Errorf("api_zh.json descriptions.%s: no such operation", id)
		}
	}
	for name := range apiZH.SharedParameters {
		if !usedShared[name] {
			t.Errorf("api_zh.json shared_parameters.%s: no operation uses it", name)
		}
	}
	for id, params := range apiZH.Parameters {
		for name := range params {
			if !usedParams[id+"."+name] {
				t.Errorf("api_zh.json parameters.%s.%s: no such parameter", id, name)
			}
		}
	}
	for d := range apiZH.Responses {
		if !usedResponses[d] {
			t.Errorf("api_zh.json responses: no response says %q", d)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// The Chinese reference marks no operation's or schema's text as
// English, and the English one shows the spec's English, never the
// Chinese.
func TestAPIDocOperationsInChinese(t *testing.T) {
	zh, err := loadAPIDoc(i18n.Chinese)
	if err != nil {
		t.Fatal(err)
	}
	en, err := loadAPIDoc(i18n.English)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for ti, tag := range zh.Tags {
		for oi, op := range tag.Operations {
			n++
			enOp := en.Tags[ti].Operations[oi]
			if op.SummaryEN || op.DescriptionEN || !hasHan(op.Summary) {
				t.Errorf("%s %s: English summary or description on the Chinese page", op.Method, op.Path)
			}
			if enOp.SummaryEN || enOp.DescriptionEN || enOp.Summary == op.Summary && op.Summary != "" {
				t.Errorf("%s %s: the English page shows %q", op.Method, op.Path, enOp.Summary)
			}
			if enOp.Description != "" && enOp.Description == op.Description {
				t.Errorf("%s %s: the same description on both pages", op.Method, op.Path)
			}
			for _, p := range op.Params {
				if p.DescriptionEN || !hasHan(string(p.Description)) {
					t.Errorf("%s %s: parameter %s is not in Chinese: %q", op.Method, op.Path, p.Name, p.Description)
				}
			}
			for _, r := range op.Responses {
				if r.DescriptionEN {
					t.Errorf("%s %s: response %s is not in Chinese", op.Method, op.Path, r.Status)
				}
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d operations", n)
	}
	for _, s := range zh.Schemas {
		if s.DescriptionEN {
			t.Errorf("schema %s: English description on the Chinese page", s.Name)
		}
		for _, p := range s.Properties {
			if p.DescriptionEN {
				t.Errorf("schema %s: property %s described in English on the Chinese page: %q", s.Name, p.Name, p.Description)
			}
		}
	}
}
