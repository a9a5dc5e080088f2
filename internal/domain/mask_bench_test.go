package domain

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The previous free-text masking, the baseline of the benchmarks: it only
// saw runs of 11 or more adjacent digits, in 违法事实, 处罚内容, 许可内容
// and 备注.

func legacyText(r MaskingRules, s string) string {
	if !r.ScrubText || !legacyHasDigitRun(s, 11) {
		return s
	}
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		if !legacyIsDigit(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && legacyIsDigit(rs[j]) {
			j++
		}
		if j-i == 17 && j < len(rs) && (rs[j] == 'X' || rs[j] == 'x' || rs[j] == 'Ｘ' || rs[j] == 'ｘ') {
			j++
		}
		run := rs[i:j]
		switch {
		case len(run) >= 15:
			b.WriteString(r.IDNumber(string(run)))
		case len(run) == 11 && (run[0] == '1' || run[0] == '１'):
			b.WriteString(r.Phone(string(run)))
		default:
			b.WriteString(string(run))
		}
		i = j
	}
	return b.String()
}

func legacyIsDigit(c rune) bool { return (c >= '0' && c <= '9') || (c >= '０' && c <= '９') }

func legacyHasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			run++
			i++
		case c == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && s[i+2] >= 0x90 && s[i+2] <= 0x99:
			run++
			i += 3
		default:
			run = 0
			i++
		}
		if run >= n {
			return true
		}
	}
	return false
}

func legacyPenalty(r MaskingRules, p Penalty) Penalty {
	p.Party = r.Party(p.Party) // as before: the two 证件号码 fields
	p.Facts = legacyText(r, p.Facts)
	p.Content = legacyText(r, p.Content)
	p.Remarks = legacyText(r, p.Remarks)
	p.Categories = append([]string(nil), p.Categories...)
	return p
}

// benchPenalties are penalties as the bureau publishes them: most carry no
// identifier in their text — only dates, amounts, article and decision
// numbers — and one in ten names a person's ID or phone number.
func benchPenalties() []Penalty {
	facts := []string{
		"2024年11月23日，执法人员对你单位进行安全生产监督检查时发现：你单位未按照规定对被派遣劳动者进行安全生产教育和培训，肖某某等4名劳务派遣人员未经安全生产教育和培训上岗作业。上述行为违反了《中华人民共和国安全生产法》第二十五条第一款的规定。",
		"2025年3月14日，执法人员现场检查发现，你单位2号仓库储存的乙酸乙酯约1200千克未按规定分区存放，安全距离不足5米，违反了《危险化学品安全管理条例》第二十四条的规定。",
		"经事故调查组调查认定，你单位未建立健全生产安全事故隐患排查治理制度，2024-06-05 14:30发生一起机械伤害事故，造成1人死亡，直接经济损失约120万元。",
		"你单位主要负责人和安全生产管理人员谢某某未按照规定经安全生产知识和管理能力考核合格。",
	}
	contents := []string{"罚款人民币肆万元整", "罚款人民币贰万玖仟元整（29000.00元）", "责令停产停业整顿，罚款人民币10万元",
		"警告，罚款人民币5000元", "没收违法所得人民币12,345.67元，并处罚款人民币3万元"}
	licences := []string{"", "", "安全生产许可证（苏）WH安许证字〔2024〕0123"}
	remarks := []string{"", "示例数据", "已履行完毕", "2025.05.20-2026.05.19 整改期间"}
	var out []Penalty
	for i := range 100 {
		p := Penalty{
			DecisionNo: fmt.Sprintf("苏应急罚〔2025〕%d号", 100+i), ViolationType: "未按照规定对从业人员进行安全生产教育和培训",
			Facts: facts[i%len(facts)], Basis: "《中华人民共和国安全生产法》第九十七条第三项",
			Content: contents[i%len(contents)], LicenceAffected: licences[i%len(licences)],
			Agency: "苏州市虎丘区（高新区）应急管理局", Source: "苏州市虎丘区（高新区）应急管理局", Remarks: remarks[i%len(remarks)],
			Party: Party{Name: fmt.Sprintf("苏州腾峰化纤第%d有限公司", i), CreditCode: "91330282L07196379D", LegalRep: "虞云"},
		}
		if i%10 == 3 {
			p.Facts = "当事人张某（身份证号码320502198001011234，联系电话139-1234-5679）未取得特种作业操作证上岗作业。"
			p.LicenceAffected = "暂扣特种作业操作证 T110105196606060834"
			p.Remarks = "联系人手机 +86 138 1234 5671"
		}
		out = append(out, p)
	}
	return out
}

// BenchmarkMaskText compares Text with the previous implementation on the
// free text of realistic penalties, field by field, and prints the ratio.
func BenchmarkMaskText(b *testing.B) {
	var texts []string
	for _, p := range benchPenalties() {
		texts = append(texts, p.Facts, p.Content, p.LicenceAffected, p.Remarks, p.DecisionNo, p.Basis, p.Name)
	}
	r := DefaultMasking
	var legacy, current time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		for _, s := range texts {
			legacyText(r, s)
		}
		mid := time.Now()
		for _, s := range texts {
			r.Text(s)
		}
		legacy += mid.Sub(start)
		current += time.Since(mid)
	}
	reportRatio(b, "Text per free-text field", current, legacy, b.N*len(texts))
}

// BenchmarkMaskPenalty compares masking a whole penalty, as every exported
// row is masked, with the previous masking (fewer fields, adjacent digits
// only), and prints the ratio: for the mix of benchPenalties, and for the
// records among them without any number that could be an identifier, the
// common case.
func BenchmarkMaskPenalty(b *testing.B) {
	mixed := benchPenalties()
	var plain []Penalty
	for _, p := range mixed {
		if !mayHoldIdentifier(p.Facts + "。" + p.Content + "。" + p.LicenceAffected + "。" + p.Remarks) {
			plain = append(plain, p)
		}
	}
	for _, c := range []struct {
		name string
		ps   []Penalty
	}{{"mixed", mixed}, {"plain", plain}} {
		b.Run(c.name, func(b *testing.B) {
			r := DefaultMasking
			var legacy, current time.Duration
			b.ReportAllocs()
			for b.Loop() {
				start := time.Now()
				for _, p := range c.ps {
					legacyPenalty(r, p)
				}
				mid := time.Now()
				for _, p := range c.ps {
					r.Penalty(p)
				}
				legacy += mid.Sub(start)
				current += time.Since(mid)
			}
			reportRatio(b, "Penalty per record ("+c.name+")", current, legacy, b.N*len(c.ps))
		})
	}
}

func reportRatio(b *testing.B, what string, current, legacy time.Duration, n int) {
	perCurrent := float64(current.Nanoseconds()) / float64(n)
	perLegacy := float64(legacy.Nanoseconds()) / float64(n)
	b.ReportMetric(perCurrent, "ns/item")
	b.ReportMetric(perLegacy, "baseline-ns/item")
	b.ReportMetric(perCurrent/perLegacy, "ratio")
	if b.N > 1 {
		fmt.Printf("BENCH masking: %s %.0f ns | baseline (previous masking) %.0f ns | ratio %.2f\n",
			what, perCurrent, perLegacy, perCurrent/perLegacy)
	}
}
