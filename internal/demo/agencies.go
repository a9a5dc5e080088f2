package demo

import (
	"fmt"
	"math/rand/v2"
)

// agency is one of the eleven bureaus that decide in the demo data: the
// municipal bureau and those of Suzhou's ten districts and county-level
// cities. Their credit codes are synthetic but valid: 11 (机关) + region +
// a 9-character organization code.
type agency struct {
	region     string   // GB/T 2260 code, as in the districts table
	name       string   // 处罚机关 / 许可机关
	docPrefix  string   // decision numbers: 苏吴中应急罚〔2023〕15号
	licPrefix  string   // licence numbers: 苏（吴中）危化经字〔2023〕000015
	namePlace  string   // how company names begin: 苏州, 昆山
	cityPrefix string   // how 个体工商户 names begin: 苏州市吴中区, 昆山市
	towns      []string // 镇、街道
	weight     int      // share of district cases (the municipal bureau: see municipalShare)
	code       string
}

// municipal is the index of 苏州市应急管理局 in agencies.
const municipal = 0

var agencies = []agency{
	{region: "320500", name: "苏州市应急管理局", docPrefix: "苏应急", licPrefix: "苏", namePlace: "苏州", cityPrefix: "苏州市"},
	{region: "320508", name: "苏州市姑苏区应急管理局", docPrefix: "苏姑应急", licPrefix: "姑苏", namePlace: "苏州",
		cityPrefix: "苏州市姑苏区", weight: 3, towns: []string{"平江街道", "沧浪街道", "双塔街道", "金阊街道", "虎丘街道", "吴门桥街道", "白洋湾街道"}},
	{region: "320505", name: "苏州市虎丘区（高新区）应急管理局", docPrefix: "苏新应急", licPrefix: "高新", namePlace: "苏州",
		cityPrefix: "苏州高新区", weight: 8, towns: []string{"狮山街道", "枫桥街道", "浒墅关镇", "通安镇", "东渚街道", "横塘街道", "镇湖街道"}},
	{region: "320506", name: "苏州市吴中区应急管理局", docPrefix: "苏吴中应急", licPrefix: "吴中", namePlace: "苏州",
		cityPrefix: "苏州市吴中区", weight: 10, towns: []string{"木渎镇", "甪直镇", "胥口镇", "临湖镇", "光福镇", "郭巷街道", "横泾街道", "越溪街道", "城南街道"}},
	{region: "320507", name: "苏州市相城区应急管理局", docPrefix: "苏相应急", licPrefix: "相城", namePlace: "苏州",
		cityPrefix: "苏州市相城区", weight: 8, towns: []string{"黄埭镇", "渭塘镇", "望亭镇", "北桥街道", "黄桥街道", "太平街道", "阳澄湖镇", "元和街道"}},
	{region: "320509", name: "苏州市吴江区应急管理局", docPrefix: "苏吴江应急", licPrefix: "吴江", namePlace: "吴江",
		cityPrefix: "苏州市吴江区", weight: 11, towns: []string{"盛泽镇", "震泽镇", "平望镇", "黎里镇", "七都镇", "桃源镇", "松陵街道", "同里镇"}},
	{region: "320571", name: "苏州工业园区应急管理局", docPrefix: "苏园应急", licPrefix: "园区", namePlace: "苏州",
		cityPrefix: "苏州工业园区", weight: 12, towns: []string{"娄葑街道", "斜塘街道", "唯亭街道", "胜浦街道"}},
	{region: "320581", name: "常熟市应急管理局", docPrefix: "常应急", licPrefix: "常", namePlace: "常熟市",
		cityPrefix: "常熟市", weight: 11, towns: []string{"虞山街道", "海虞镇", "梅李镇", "支塘镇", "辛庄镇", "沙家浜镇", "古里镇", "碧溪街道", "董浜镇"}},
	{region: "320582", name: "张家港市应急管理局", docPrefix: "张应急", licPrefix: "张", namePlace: "张家港市",
		cityPrefix: "张家港市", weight: 11, towns: []string{"杨舍镇", "金港街道", "锦丰镇", "乐余镇", "凤凰镇", "塘桥镇", "南丰镇", "大新镇"}},
	{region: "320583", name: "昆山市应急管理局", docPrefix: "昆应急", licPrefix: "昆", namePlace: "昆山",
		cityPrefix: "昆山市", weight: 16, towns: []string{"玉山镇", "周市镇", "陆家镇", "花桥镇", "张浦镇", "千灯镇", "淀山湖镇", "巴城镇", "周庄镇", "锦溪镇"}},
	{region: "320585", name: "太仓市应急管理局", docPrefix: "太应急", licPrefix: "太", namePlace: "太仓",
		cityPrefix: "太仓市", weight: 7, towns: []string{"城厢镇", "沙溪镇", "浏河镇", "璜泾镇", "双凤镇", "浮桥镇", "陆渡街道"}},
}

// municipalShare is the percentage of cases the municipal bureau decides
// itself; the rest are decided by the bureau of the party's district.
const municipalShare = 10

var districtWeightTotal int

func init() {
	for i := range agencies {
		a := &agencies[i]
		// A fixed, distinct 8-character body per bureau: MB + region digits + index.
		a.code = creditCode("11", a.region, fmt.Sprintf("MB%s%02d", a.region[2:], i+1))
		districtWeightTotal += a.weight
	}
}

// pickDistrict returns the index of a district bureau, by weight.
func pickDistrict(r *rand.Rand) int {
	w := r.IntN(districtWeightTotal)
	for i, a := range agencies {
		if w < a.weight {
			return i
		}
		w -= a.weight
	}
	panic("unreachable")
}

// Bureau is one of the bureaus that decide in the demo data, for tools
// that make records like the demo's (e2e/benchingest).
type Bureau struct {
	Region, Name, Code string
	DocPrefix          string // of decision numbers: 苏吴中应急
	Weight             int    // relative share of the cases
}

// Bureaus returns the demo data's deciding bureaus, the municipal one
// first, weighted by their share of the cases (the municipal bureau by
// municipalShare).
func Bureaus() []Bureau {
	out := make([]Bureau, len(agencies))
	for i, a := range agencies {
		out[i] = Bureau{Region: a.region, Name: a.name, Code: a.code, DocPrefix: a.docPrefix, Weight: a.weight}
	}
	out[municipal].Weight = municipalShare
	return out
}

// CreditCode returns a valid 统一社会信用代码: prefix (91 a company, 92
// a 个体工商户, 11 an organ of state), region, the 8-character
// organization-code body and both check characters.
func CreditCode(prefix, region, body string) string { return creditCode(prefix, region, body) }
