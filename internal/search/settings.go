package search

import (
	meili "github.com/meilisearch/meilisearch-go"
)

// synonymGroups are terms citizens use interchangeably; each term of a
// group finds the others. The bureau was 安全生产监督管理局 (安监局)
// before 2018.
var synonymGroups = [][]string{
	{"安监局", "应急管理局", "应急局", "安全生产监督管理局"},
	{"危化品", "危险化学品"},
	{"安许证", "安全生产许可证"},
	{"职业卫生", "职业健康"},
	{"烟花爆竹", "烟花", "爆竹"},
}

func synonyms() map[string][]string {
	out := map[string][]string{}
	for _, g := range synonymGroups {
		for _, t := range g {
			for _, o := range g {
				if o != t {
					out[t] = append(out[t], o)
				}
			}
		}
	}
	return out
}

// stopWords are words nearly every party name or record holds — the
// city, the legal forms of a company — which, left in a query, would make
// a full company name match every company of the city. Meilisearch
// ignores them in queries (a query of stop words only is kept whole).
var stopWords = []string{"苏州", "苏州市", "有限公司", "有限责任公司", "股份有限公司", "有限", "责任", "股份", "公司"}

// rankingRules put sort first, so that an explicit sort orders strictly by
// the sort field (every search requires all query words);
// without a sort, relevance applies as usual.
var rankingRules = []string{"sort", "words", "typo", "proximity", "attribute", "exactness"}

// attrs describes one index: its searchable attributes in rank order,
// filterable and sortable attributes, the attributes whose values are codes
// (no typo tolerance), the fields to highlight and crop.
type attrs struct {
	searchable, filterable, sortable, codes []string
	highlight, crop                         []string
}

var indexAttrs = map[string]attrs{
	IndexPenalties: {
		searchable: []string{"party_name", "credit_code", "decision_no", "violation_type", "facts", "content",
			"basis", "agency", "legal_rep", "business_reg_no", "licence_affected", "categories", "district",
			"source", "remarks", "party_pinyin"},
		filterable: []string{"type", "categories", "year", "district", "district_code", "agency", "agency_code", "stage",
			"party_kind", "credit_code", "decision_no", "publicity_until_day", "publicity_class", "demo",
			"decision_key", "party_key"},
		sortable:  []string{"decision_date", "fine_yuan"},
		codes:     []string{"credit_code", "decision_no", "business_reg_no", "agency_code", "district_code", "party_pinyin"},
		highlight: []string{"party_name", "decision_no", "credit_code", "violation_type", "facts", "content", "basis", "agency"},
		crop:      []string{"facts", "content", "basis"},
	},
	IndexPermits: {
		searchable: []string{"party_name", "credit_code", "decision_no", "permit_no", "document_name",
			"certificate_name", "content", "agency", "legal_rep", "business_reg_no", "category", "district", "source",
			"remarks", "party_pinyin"},
		filterable: []string{"type", "category", "year", "district", "district_code", "agency", "agency_code",
			"party_kind", "state", "credit_code", "decision_no", "permit_no", "demo", "decision_key", "permit_key", "party_key"},
		sortable: []string{"decision_date"},
		codes: []string{"credit_code", "decision_no", "permit_no", "business_reg_no", "agency_code", "district_code",
			"party_pinyin"},
		highlight: []string{"party_name", "decision_no", "credit_code", "permit_no", "document_name", "content", "agency"},
		crop:      []string{"content"},
	},
	IndexPowers: {
		searchable: []string{"name", "code", "category", "legal_basis", "sub_items", "guide_basis", "conditions",
			"materials", "flow_steps", "duties", "unit", "applicant", "channels", "time_place", "statutory_limit",
			"promised_limit", "fees", "accountability", "guide_notes", "remarks"},
		filterable: []string{"type", "list", "list_version", "category", "code", "unit"},
		codes:      []string{"code"},
		highlight:  []string{"name", "code", "legal_basis", "conditions", "flow_steps", "guide_basis"},
		crop:       []string{"legal_basis", "conditions", "guide_basis"},
	},
	IndexServices: {
		searchable: []string{"name", "code", "duty", "part", "detail", "target", "basis", "conditions",
			"materials", "process", "flow_steps", "unit", "accountability", "time_limit", "fees"},
		filterable: []string{"type", "list", "list_version", "part", "code"},
		codes:      []string{"code"},
		highlight:  []string{"name", "code", "duty", "detail", "basis", "conditions", "process"},
		crop:       []string{"detail", "basis", "conditions", "process"},
	},
}

// Settings returns the Meilisearch settings of an index. Text is Chinese
// (locale cmn, segmented with jieba); codes and numbers get no typo
// tolerance, so a credit code or decision number matches only itself.
func Settings(index string) *meili.Settings {
	a := indexAttrs[index]
	prefix := "indexingTime"
	return &meili.Settings{
		RankingRules:         rankingRules,
		SearchableAttributes: a.searchable,
		DisplayedAttributes:  []string{"*"},
		FilterableAttributes: a.filterable,
		SortableAttributes:   a.sortable,
		Synonyms:             synonyms(),
		StopWords:            stopWords,
		TypoTolerance: &meili.TypoTolerance{
			Enabled:             true,
			MinWordSizeForTypos: meili.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnAttributes: a.codes,
			DisableOnWords:      []string{},
			DisableOnNumbers:    true,
		},
		Pagination: &meili.Pagination{MaxTotalHits: MaxTotalHits},
		Faceting: &meili.Faceting{
			MaxValuesPerFacet: 100,
			SortFacetValuesBy: map[string]meili.SortFacetType{"*": meili.SortFacetTypeCount},
		},
		LocalizedAttributes: []*meili.LocalizedAttributes{{Locales: []string{"cmn"}, AttributePatterns: []string{"*"}}},
		PrefixSearch:        &prefix,
		SearchCutoffMs:      1500,
	}
}
