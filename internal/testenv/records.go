package testenv

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// CreditCode returns a valid 统一社会信用代码 with the given two-character prefix,
// region and serial number.
func CreditCode(tb testing.TB, prefix, region string, serial int) string {
	tb.Helper()
	body := fmt.Sprintf("%08d", serial)
	c9, err := domain.OrgCodeCheckChar(body)
	if err != nil {
		tb.Fatal(err)
	}
	first17 := prefix + region + body + string(c9)
	c18, err := domain.USCCCheckChar(first17)
	if err != nil {
		tb.Fatal(err)
	}
	return first17 + string(c18)
}

// Penalties returns n valid penalties of two agencies in Suzhou, with
// different companies and decision dates.
func Penalties(tb testing.TB, n int) []domain.Penalty {
	tb.Helper()
	agencies := [][2]string{
		{"苏州市应急管理局", CreditCode(tb, "11", "320500", 1)},
		{"苏州市吴中区应急管理局", CreditCode(tb, "11", "320506", 2)},
	}
	out := make([]domain.Penalty, n)
	for i := range out {
		ag := agencies[i%2]
		d := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%900)
		until := d.AddDate(1, 0, 0)
		out[i] = domain.Penalty{
			DecisionNo: fmt.Sprintf("苏应急罚〔%d〕%d号", d.Year(), i+1),
			Party: domain.Party{
				Name:       fmt.Sprintf("苏州测试%d精密机械有限公司", i),
				Kind:       domain.PartyOrganization,
				CreditCode: CreditCode(tb, "91", "320506", 1000+i),
				LegalRep:   "张三",
			},
			ViolationType:  "未按照规定对从业人员进行安全生产教育和培训",
			Facts:          "经查，该单位未按照规定对从业人员进行安全生产教育和培训。",
			Basis:          "《中华人民共和国安全生产法》第九十七条第三项",
			Categories:     []string{"罚款"},
			Content:        "罚款人民币" + strconv.Itoa(10000+i) + "元",
			Fine:           domain.Money((10000 + i) * 100),
			DecisionDate:   d,
			PublicityUntil: until,
			Agency:         ag[0],
			AgencyCode:     ag[1],
			Source:         ag[0],
			SourceCode:     ag[1],
			Remarks:        "测试数据",
			Stage:          domain.StagePreAccident,
			Class:          domain.ClassGeneral,
		}
	}
	return out
}
