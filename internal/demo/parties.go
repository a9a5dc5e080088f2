package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// Parties are derived from their index alone (see company, shop, person),
// so a generator of a million records keeps none of them in memory and the
// same index always gives the same party — a company fined twice appears
// twice with the same name and credit code, in penalties and permits.

// usccAlphabet is the alphabet of 统一社会信用代码 (GB 32100), from which
// synthetic organization-code bodies are drawn so every code stays valid.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCode returns a valid 18-character credit code: prefix (登记管理部门码
// and 机构类别码, e.g. "91" for an enterprise), region, and the
// organization code whose 8-character body is given.
func creditCode(prefix, region, body string) string {
	c9, err := domain.OrgCodeCheckChar(body)
	if err != nil {
		panic(fmt.Sprintf("demo: organization code body %q: %v", body, err))
	}
	first17 := prefix + region + body + string(c9)
	c18, err := domain.USCCCheckChar(first17)
	if err != nil {
		panic(fmt.Sprintf("demo: credit code %q: %v", first17, err))
	}
	return first17 + string(c18)
}

// orgBody returns the 8-character organization-code body of party n of a
// pool: a bijection of n, so parties never share a code. Older parties have
// an all-digit body (codes issued before 2015), newer ones the "MA" form.
func orgBody(n uint64, modern bool) string {
	if modern {
		const space = 31 * 31 * 31 * 31 * 31 * 31 // 6 characters after "MA"
		v := (n*387_420_489 + 1_234_567) % space  // 387420489 = 3^18, coprime to 31
		var b [8]byte
		b[0], b[1] = 'M', 'A'
		for i := 7; i >= 2; i-- {
			b[i] = usccAlphabet[v%31]
			v /= 31
		}
		return string(b[:])
	}
	const space = 90_000_000
	v := (n*7_919_011 + 3_141_593) % space      // 7919011 is coprime to 2, 3 and 5
	return strconv.FormatUint(10_000_000+v, 10) // 8 digits
}

// businessRegNo returns a 15-digit 工商注册号 with its ISO 7064 MOD 11,10
// check digit, as issued to 个体工商户 before credit codes.
func businessRegNo(region string, n uint64) string {
	body := fmt.Sprintf("%s6%07d", region, (n*7_654_321+99_991)%10_000_000)
	p := 10
	for i := 0; i < len(body); i++ {
		s := (p + int(body[i]-'0')) % 10
		if s == 0 {
			s = 10
		}
		p = s * 2 % 11
	}
	return body + string(byte('0'+(11-p)%10))
}

// idNumber returns a valid 18-digit 居民身份证号码 for the given region,
// birth date and sequence number.
func idNumber(region string, birth time.Time, seq int) string {
	first17 := fmt.Sprintf("%s%s%03d", region, birth.Format("20060102"), seq%1000)
	c, err := domain.IDCardCheckChar(first17)
	if err != nil {
		panic(fmt.Sprintf("demo: ID number %q: %v", first17, err))
	}
	return first17 + string(c)
}

var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高",
	"林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
	"潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "钟", "陆",
	"汪", "范", "金", "石", "顾", "钱", "严", "戴", "邵", "浦", "缪", "惠", "薛", "秦", "殷", "虞", "盛", "季",
}

var givenChars = []string{
	"建", "国", "军", "伟", "强", "明", "华", "平", "志", "勇", "杰", "涛", "斌", "磊", "峰", "刚", "辉", "健",
	"新", "永", "海", "林", "东", "文", "春", "荣", "云", "红", "芳", "丽", "英", "敏", "静", "燕", "霞", "玲",
	"萍", "雪", "梅", "琴", "晓", "俊", "宇", "浩", "鹏", "飞", "超", "亮", "洪", "德", "良", "正", "兴", "根",
	"忠", "元", "祥", "荣", "金", "宝", "卫", "庆", "康", "佳", "怡", "婷", "倩", "晨", "阳", "峻", "琪", "雯",
}

func personName(r *rand.Rand) string {
	name := surnames[r.IntN(len(surnames))] + givenChars[r.IntN(len(givenChars))]
	if r.IntN(10) < 7 {
		name += givenChars[r.IntN(len(givenChars))]
	}
	return name
}

// pseudonym is how decisions name other natural persons: 王某某.
func pseudonym(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return surnames[r.IntN(len(surnames))] + "某"
	}
	return surnames[r.IntN(len(surnames))] + "某某"
}

// Birth regions of ID numbers: Suzhou itself and the provinces most of its
// workers come from.
var birthRegions = []string{
	"320502", "320503", "320505", "320506", "320507", "320509", "320581", "320582", "320583", "320585",
	"320321", "320322", "321323", "321324", "320902", "340321", "341221", "341222", "412724", "412828",
	"410526", "511321", "513029", "362427", "430524", "370983", "320830", "321281",
}

// idFor returns a valid ID number of someone born between minAge and maxAge
// years before on.
func idFor(r *rand.Rand, on time.Time, minAge, maxAge int) string {
	age := minAge + r.IntN(maxAge-minAge+1)
	birth := on.AddDate(-age, 0, -r.IntN(365))
	return idNumber(birthRegions[r.IntN(len(birthRegions))], birth, r.IntN(1000))
}

// Industry tags steer which violations and permits fit a company.
const (
	tagAny      = ""
	tagChem     = "chem"     // 化工生产
	tagChemSale = "chemsale" // 危险化学品经营
	tagMetal    = "metal"    // 金属加工, 粉尘
	tagMech     = "mech"     // 机械、电子
	tagTextile  = "textile"  // 纺织印染
	tagFood     = "food"     // 食品、餐饮
	tagWood     = "wood"     // 木材加工, 粉尘
	tagStore    = "store"    // 仓储物流
	tagBuild    = "build"    // 建设工程
)

type industry struct {
	name string // as in a company name
	tag  string
}

var industries = []industry{
	{"精密机械", tagMech}, {"机械制造", tagMech}, {"电子科技", tagMech}, {"光电科技", tagMech},
	{"汽车零部件", tagMech}, {"模具", tagMech}, {"智能装备", tagMech}, {"电器", tagMech},
	{"金属制品", tagMetal}, {"五金制品", tagMetal}, {"铝业", tagMetal}, {"不锈钢制品", tagMetal},
	{"化工", tagChem}, {"新材料科技", tagChem}, {"涂料", tagChem}, {"精细化工", tagChem}, {"树脂", tagChem},
	{"化工贸易", tagChemSale}, {"化学品", tagChemSale}, {"石油化工贸易", tagChemSale},
	{"纺织", tagTextile}, {"丝绸", tagTextile}, {"印染", tagTextile}, {"服饰", tagTextile}, {"化纤", tagTextile},
	{"食品", tagFood}, {"餐饮管理", tagFood}, {"酒店管理", tagFood},
	{"木业", tagWood}, {"家具", tagWood}, {"包装材料", tagWood}, {"纸业", tagWood},
	{"物流", tagStore}, {"仓储", tagStore}, {"供应链管理", tagStore},
	{"建设工程", tagBuild}, {"钢结构工程", tagBuild}, {"建材", tagBuild}, {"塑胶制品", tagMech},
}

var tradeChars = []string{
	"华", "盛", "鑫", "泰", "瑞", "宏", "达", "通", "恒", "丰", "汇", "嘉", "新", "诚", "信", "德", "润",
	"金", "源", "昌", "隆", "宇", "安", "博", "凯", "锦", "辉", "海", "天", "正", "中", "永", "佳", "利",
	"和", "同", "亚", "联", "科", "创", "锐", "立", "胜", "祥", "兴", "明", "益", "顺", "合", "众", "美",
	"森", "茂", "伟", "航", "晨", "旭", "东", "远", "方", "启", "帆", "峰", "誉", "卓", "越", "欣", "晟",
	"骏", "腾", "弘", "毅", "铭", "耀", "普", "睿", "吴", "苏", "澄", "湖", "虹", "江", "阳", "光",
}

var companyForms = []string{"有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"}

// company is a 法人 party of the demo data set.
type company struct {
	party    domain.Party
	tag      string
	district int // index into agencies
	town     string
	founded  int // year
}

// companyAt returns company n of the pool. Names are a bijection of n over
// trade names × industries × forms, so two companies never share a name.
func companyAt(seed, n uint64) company {
	r := rand.New(rand.NewPCG(seed^0x636f6d70616e79, n))
	nc, ni, nf := uint64(len(tradeChars)), uint64(len(industries)), uint64(len(companyForms))
	space := nc * nc * ni * nf
	v := (n*1_000_003 + 17) % space // 1000003 is prime and does not divide space
	c1, v := v%nc, v/nc
	c2, v := v%nc, v/nc
	ind, v := industries[v%ni], v/ni
	form := companyForms[v%nf]
	trade := tradeChars[c1] + tradeChars[c2]
	if n >= space { // beyond the two-character space: a third character
		trade += tradeChars[(n/space)%nc]
	}
	d := pickDistrict(r)
	ag := agencies[d]
	founded := 1995 + r.IntN(27)
	modern := founded >= 2015 || r.IntN(3) == 0
	prefix := "91"
	name := ag.namePlace + trade + ind.name + form
	p := domain.Party{
		Name:       name,
		Kind:       domain.PartyOrganization,
		CreditCode: creditCode(prefix, ag.region, orgBody(n, modern)),
		LegalRep:   personName(r),
	}
	if r.IntN(10) < 3 {
		p.LegalRepIDType = "身份证"
		p.LegalRepIDNo = idFor(r, time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), 28, 60)
	}
	return company{party: p, tag: ind.tag, district: d, town: ag.towns[r.IntN(len(ag.towns))], founded: founded}
}

var shopKinds = []struct {
	name string
	tag  string
}{
	{"五金店", tagAny}, {"五金建材经营部", tagAny}, {"烟花爆竹经营部", "fireworks"}, {"烟酒店", "fireworks"},
	{"便利店", "fireworks"}, {"副食品店", "fireworks"}, {"饭店", tagFood}, {"小吃店", tagFood}, {"面馆", tagFood},
	{"餐馆", tagFood}, {"油漆经营部", tagChemSale}, {"化工经营部", tagChemSale}, {"机械加工厂", tagMech},
	{"木器加工厂", tagWood}, {"纸箱厂", tagWood}, {"汽车修理厂", tagMech}, {"液化气供应站", tagChemSale},
}

// shopAt returns 个体工商户 n. One in five has no credit code and is
// entered with the placeholder and its 工商注册号, as the standard allows.
func shopAt(seed, n uint64) company {
	r := rand.New(rand.NewPCG(seed^0x73686f70, n))
	d := pickDistrict(r)
	ag := agencies[d]
	owner := personName(r)
	kind := shopKinds[r.IntN(len(shopKinds))]
	town := ag.towns[r.IntN(len(ag.towns))]
	style := []string{"%s记", "%s氏", "%s家", "%s%s"}[r.IntN(4)]
	var label string
	if strings.Count(style, "%s") == 2 {
		label = fmt.Sprintf(style, tradeChars[r.IntN(len(tradeChars))], tradeChars[r.IntN(len(tradeChars))])
	} else {
		label = fmt.Sprintf(style, string([]rune(owner)[0]))
	}
	p := domain.Party{
		Name:     ag.cityPrefix + town + label + kind.name,
		Kind:     domain.PartyIndividualBusiness,
		LegalRep: owner,
	}
	if r.IntN(5) == 0 {
		p.CreditCode = domain.USCCPlaceholder
		p.BusinessRegNo = businessRegNo(ag.region, n)
	} else {
		p.CreditCode = creditCode("92", ag.region, orgBody(n, true))
	}
	return company{party: p, tag: kind.tag, district: d, town: town}
}

// personAt returns natural person n (自然人), identified by a valid ID
// number, adult on every decision date of the data set.
func personAt(seed, n uint64) company {
	r := rand.New(rand.NewPCG(seed^0x706572736f6e, n))
	d := pickDistrict(r)
	p := domain.Party{
		Name:   personName(r),
		Kind:   domain.PartyNaturalPerson,
		IDType: "身份证",
		IDNo:   idFor(r, time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), 22, 55),
	}
	ag := agencies[d]
	return company{party: p, district: d, town: ag.towns[r.IntN(len(ag.towns))]}
}

var digitsCN = []string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}

// capitalSection writes 0 < n < 10000 in capital numerals (壹仟零伍拾).
func capitalSection(n int64) string {
	var b strings.Builder
	units := []string{"仟", "佰", "拾", ""}
	divs := []int64{1000, 100, 10, 1}
	started, zero := false, false
	for i, div := range divs {
		d := n / div % 10
		if d == 0 {
			if started {
				zero = true
			}
			continue
		}
		if zero {
			b.WriteString("零")
			zero = false
		}
		b.WriteString(digitsCN[d] + units[i])
		started = true
	}
	return b.String()
}

// capitalYuan writes a whole amount of yuan below 10^12 as decisions do:
// 35000 → 叁万伍仟元整, 100500 → 壹拾万零伍佰元整.
func capitalYuan(yuan int64) string {
	if yuan <= 0 {
		return "零元整"
	}
	var b strings.Builder
	groups := []struct {
		div  int64
		unit string
	}{{100_000_000, "亿"}, {10_000, "万"}, {1, ""}}
	needZero := false
	for _, g := range groups {
		n := yuan / g.div % 10_000
		if g.div == 100_000_000 {
			n = yuan / g.div
		}
		if n == 0 {
			if b.Len() > 0 {
				needZero = true
			}
			continue
		}
		if (needZero || n < 1000) && b.Len() > 0 {
			b.WriteString("零")
		}
		needZero = false
		b.WriteString(capitalSection(n) + g.unit)
	}
	b.WriteString("元整")
	return b.String()
}

// wanText writes an amount of yuan in 万元 as prose does: 3.5万元, 2000元.
func wanText(yuan int64) string {
	if yuan < 10_000 {
		return fmt.Sprintf("%d元", yuan)
	}
	s := fmt.Sprintf("%.4f", float64(yuan)/10_000)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s + "万元"
}

// cnDate writes a date as 2023年3月5日.
func cnDate(t time.Time) string {
	return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
}
