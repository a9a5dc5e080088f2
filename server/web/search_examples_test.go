package web

import (
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/i18n"
)

// The home page's examples come from public records: an organisation's
// name, credit code and decision number, never a natural person's.
func TestSearchExamples(t *testing.T) {
	pr := i18n.For(i18n.Chinese)
	person := domain.PublishedPenalty{}
	person.Kind, person.Name, person.DecisionNo = domain.PartyNaturalPerson, "王建国", "苏应急罚〔2026〕1号"
	shop := domain.PublishedPenalty{}
	shop.Kind, shop.Name, shop.CreditCode, shop.DecisionNo = domain.PartyIndividualBusiness, "某五金店", domain.USCCPlaceholder, "苏应急罚〔2026〕2号"
	org := domain.PublishedPenalty{}
	org.Kind, org.Name, org.CreditCode, org.DecisionNo = domain.PartyOrganization, "常熟市博泰铝业有限公司", "91320581647066676H", "常应急罚〔2026〕38号"

	got := searchExamples(pr, []domain.PublishedPenalty{person, shop, org}, nil)
	want := []string{"常熟市博泰铝业有限公司", "91320581647066676H", "常应急罚〔2026〕38号"}
	if len(got) != len(want) {
		t.Fatalf("examples %+v", got)
	}
	for i, w := range want {
		if got[i].Text != w || got[i].URL == "" {
			t.Errorf("example %d: %+v, want %s", i, got[i], w)
		}
	}
	if got[2].URL != "/search?q=%E5%B8%B8%E5%BA%94%E6%80%A5%E7%BD%9A%E3%80%942026%E3%80%9538%E5%8F%B7" {
		t.Errorf("decision URL %s", got[2].URL)
	}
	// Without an organisation, only a decision number.
	got = searchExamples(pr, []domain.PublishedPenalty{person}, nil)
	if len(got) != 1 || got[0].Text != "苏应急罚〔2026〕1号" {
		t.Errorf("examples without an organisation: %+v", got)
	}
	if got := searchExamples(pr, nil, nil); got != nil {
		t.Errorf("examples of nothing: %+v", got)
	}
}
