package testenv

import (
	"fmt"

	"github.com/gongshi/gongshi/internal/domain"
)

// Fixed identifiers with valid check characters (reference §2).
const (
	AgencyCode  = "11230500001755309F" // a 机关 (the issuing agency of fixtures)
	CompanyCode = "91330282L07196379D"
	OtherCode   = "91350100M000100Y43"
	PersonID    = "11010519491231002X"
)

// USCC returns a valid 统一社会信用代码 for a company numbered n in the
// region (6 digits), so fixtures never collide.
func USCC(region string, n int) string {
	org8 := fmt.Sprintf("MA%06d", n%1_000_000)
	c9, err := domain.OrgCodeCheckChar(org8)
	if err != nil {
		panic(err)
	}
	first17 := "91" + region + org8 + string(c9)
	c18, err := domain.USCCCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c18)
}

// PenaltyRecord returns a valid raw penalty keyed by standard codes; n
// varies the decision number and the company.
func PenaltyRecord(n int) map[string]string {
	return map[string]string{
		"CF_WSH":       fmt.Sprintf("（苏）应急罚〔2025〕%d号", n),
		"CF_XDR_MC":    fmt.Sprintf("苏州测试化工第%d有限公司", n),
		"CF_XDR_LB":    string(domain.PartyOrganization),
		"CF_XDR_SHXYM": USCC("320505", n),
		"CF_FRDB":      "张三",
		"CF_WFXW":      "未按规定对从业人员进行安全生产教育和培训",
		"CF_SY":        "经查，该公司未如实记录安全生产教育和培训情况。",
		"CF_YJ":        "《中华人民共和国安全生产法》第九十七条第三项",
		"CF_CFLB":      "罚款",
		"CF_NR":        "罚款人民币贰万元整",
		"CF_NR_FK":     "2",
		"CF_JDRQ":      "2026-10-15",
		"CF_CFJG":      "苏州市应急管理局",
		"CF_CFJGDM":    AgencyCode,
		"CF_SJLY":      "苏州市应急管理局",
		"CF_SJLYDM":    AgencyCode,
		"CF_AJJD":      "事前",
	}
}

// PersonPenaltyRecord is PenaltyRecord for a natural person whose full ID
// number is PersonID: it must never appear in public output.
func PersonPenaltyRecord(n int) map[string]string {
	r := PenaltyRecord(n)
	delete(r, "CF_XDR_SHXYM")
	delete(r, "CF_FRDB")
	r["CF_XDR_MC"] = "李四"
	r["CF_XDR_LB"] = string(domain.PartyNaturalPerson)
	r["CF_XDR_ZJLX"] = "身份证"
	r["CF_XDR_ZJHM"] = PersonID
	return r
}

// PermitRecord returns a valid raw permit keyed by standard codes.
func PermitRecord(n int) map[string]string {
	return map[string]string{
		"XK_XKWS":      "安全生产许可证核发决定书",
		"XK_WSH":       fmt.Sprintf("（苏）应急许〔2025〕%d号", n),
		"XK_XDR_MC":    fmt.Sprintf("苏州测试矿业第%d有限公司", n),
		"XK_XDR_LB":    string(domain.PartyOrganization),
		"XK_XDR_SHXYM": USCC("320506", n),
		"XK_XKLB":      "普通",
		"XK_XKZS":      "安全生产许可证",
		"XK_XKBH":      fmt.Sprintf("（苏）WH安许证字〔2025〕%04d", n),
		"XK_NR":        "危险化学品生产",
		"XK_JDRQ":      "2026-10-01",
		"XK_YXQZ":      "2026-10-01",
		"XK_YXQZI":     "2029-09-30",
		"XK_XKJG":      "苏州市应急管理局",
		"XK_XKJGDM":    AgencyCode,
		"XK_ZT":        "有效",
		"XK_LYDW":      "苏州市应急管理局",
		"XK_LYDWDM":    AgencyCode,
	}
}

// Penalty parses PenaltyRecord(n), failing loudly if fixtures drift.
func Penalty(n int) domain.Penalty {
	p, errs := domain.ParsePenalty(PenaltyRecord(n), domain.ParseOptions{})
	if len(errs) > 0 {
		panic(errs)
	}
	return p
}

// PowerItems returns a small valid power list of n items.
func PowerItems(n int) []domain.PowerItem {
	items := make([]domain.PowerItem, n)
	for i := range items {
		cat := domain.PowerCategories[i%len(domain.PowerCategories)]
		items[i] = domain.PowerItem{
			Code:       fmt.Sprintf("320500CF%04d", i+1),
			Name:       fmt.Sprintf("测试事项%d", i+1),
			Category:   cat,
			LegalBasis: "《中华人民共和国安全生产法》第六十二条",
			Unit:       "苏州市应急管理局",
			Duties:     []domain.Duty{{Stage: "立案", Content: "对符合条件的予以立案"}},
			Guide:      domain.Guide{Basis: "《中华人民共和国安全生产法》", Materials: []string{"申请书"}},
			Flow:       domain.StandardFlow(cat),
		}
	}
	return items
}
