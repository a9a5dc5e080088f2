package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store/bulkload"
)

// PenaltyStats summarise the penalties a generator produced.
type PenaltyStats struct {
	Total           int
	PreAccident     int
	Accident        int
	PreAccidentFine domain.Money // sum over pre-accident cases
	LargeFines      int          // pre-accident cases fined 50,000 yuan or more
	NaturalPersons  int
	Individual      int // 个体工商户
	Withdrawn       map[domain.WithdrawReason]int
	LateDisclosures int // published more than 7 working days after the decision
}

// AverageFine returns the average fine of pre-accident cases in yuan.
func (s PenaltyStats) AverageFine() float64 {
	if s.PreAccident == 0 {
		return 0
	}
	return float64(s.PreAccidentFine) / 100 / float64(s.PreAccident)
}

// penaltyGen streams n penalties in decision-date order from a fixed seed;
// it holds only counters, whatever n.
type penaltyGen struct {
	r       *rand.Rand
	seed    uint64
	n, i    int
	public  bool      // Options.AllPublic
	now     time.Time // instant
	today   time.Time // China date
	tl      *timeline
	wd      *workdays
	rules   domain.PublicityRules
	cat     *catalogue
	seq     map[seqKey]int
	pool    uint64 // companies
	shops   uint64
	persons uint64
	stats   PenaltyStats
}

type seqKey struct {
	agency, year int
}

func newPenaltyGen(seed uint64, n int, now time.Time, allPublic bool) *penaltyGen {
	today := domain.ChinaDate(now)
	wd := newWorkdays(domain.DefaultCalendar(), firstDay, today.AddDate(0, 2, 0))
	return &penaltyGen{
		r:       rand.New(rand.NewPCG(seed, 0x70656e616c7479)),
		seed:    seed,
		n:       n,
		public:  allPublic,
		now:     now,
		today:   today,
		tl:      newTimeline(wd, firstDecisionDay(today, allPublic), today, penaltyWeight),
		wd:      wd,
		rules:   domain.DefaultPublicityRules(),
		cat:     newCatalogue(),
		seq:     map[seqKey]int{},
		pool:    uint64(max(2_000, n*2/5)),
		shops:   uint64(max(300, n/12)),
		persons: uint64(max(300, n/10)),
		stats:   PenaltyStats{Withdrawn: map[domain.WithdrawReason]int{}},
	}
}

// next returns the next penalty, or false after the n-th.
func (g *penaltyGen) next() (bulkload.Penalty, bool) {
	if g.i >= g.n {
		return bulkload.Penalty{}, false
	}
	r := g.r
	day := g.tl.at((float64(g.i) + r.Float64()) / float64(g.n))
	g.i++

	var p domain.Penalty
	var agencyIdx int
	if r.IntN(1000) < 30 {
		agencyIdx = g.accident(&p, day)
	} else {
		agencyIdx = g.preAccident(&p, day)
	}
	ag := agencies[agencyIdx]
	k := seqKey{agencyIdx, day.Year()}
	g.seq[k]++
	p.DecisionNo = ag.docPrefix + "罚〔" + strconv.Itoa(day.Year()) + "〕" + strconv.Itoa(g.seq[k]) + "号"
	p.DecisionDate = day
	p.Agency, p.AgencyCode = ag.name, ag.code
	p.Source, p.SourceCode = ag.name, ag.code
	p.Remarks = Remark
	slices.SortFunc(p.Categories, func(a, b string) int {
		return slices.Index(domain.PenaltyCategories, a) - slices.Index(domain.PenaltyCategories, b)
	})
	p.Class = g.rules.Classify(p)
	p.PublicityUntil = g.rules.Until(p.Class, day)

	b := bulkload.Penalty{Penalty: p, PublishedAt: publishedAt(r, g.wd, day, g.now)}
	b.Withdrawn = g.withdrawal(r, p, b.PublishedAt)
	g.count(b)
	return b, true
}

func (g *penaltyGen) count(b bulkload.Penalty) {
	s := &g.stats
	s.Total++
	switch b.Stage {
	case domain.StagePreAccident:
		s.PreAccident++
		s.PreAccidentFine += b.Fine
		if b.Fine >= 50_000*100 {
			s.LargeFines++
		}
	case domain.StageAccident:
		s.Accident++
	}
	switch b.Kind {
	case domain.PartyNaturalPerson:
		s.NaturalPersons++
	case domain.PartyIndividualBusiness:
		s.Individual++
	}
	if b.Withdrawn != nil {
		s.Withdrawn[b.Withdrawn.Reason]++
	}
	if g.wd.between(b.DecisionDate, domain.ChinaDate(b.PublishedAt)) > 7 {
		s.LateDisclosures++
	}
}

// pickCompany returns a company of the pool; a quarter of the cases fall
// on a small set of repeat offenders.
func (g *penaltyGen) pickCompany(r *rand.Rand) company {
	if r.IntN(4) == 0 {
		return companyAt(g.seed, r.Uint64N(max(g.pool/20, 1)))
	}
	return companyAt(g.seed, r.Uint64N(g.pool))
}

// deciding returns the bureau deciding a case of a party of district d.
func deciding(r *rand.Rand, d int) int {
	if r.IntN(100) < municipalShare {
		return municipal
	}
	return d
}

// preAccident fills p with a case found by inspection (事前) and returns
// the deciding bureau. Its parts draw from g.r in a fixed order, so the
// same seed gives the same data.
func (g *penaltyGen) preAccident(p *domain.Penalty, day time.Time) int {
	r := g.r
	kind, party, b, c := g.inspectedCase(r, !day.Before(amendment2021))
	p.Party = party.party
	p.Stage = domain.StagePreAccident
	p.ViolationType = c.v.wfxw
	vars, district, subject := g.caseVars(r, kind, party, c)
	var fine, gain int64
	p.Categories, p.Content, fine, gain = sanction(r, kind, b, c, vars)
	p.Fine = domain.Money(fine * 100)
	p.Confiscated = domain.Money(gain * 100)
	p.Facts = inspectionFacts(r, day, kind, c, subject, vars)
	p.Basis = c.s.basis
	return deciding(r, district)
}

// inspectedCase picks the party of an inspection case, the band of its
// sanction and a violation that fits both.
func (g *penaltyGen) inspectedCase(r *rand.Rand, cur bool) (domain.PartyKind, company, band, choice) {
	var party company
	kind := domain.PartyOrganization
	switch n := r.IntN(100); {
	case n < 7:
		kind = domain.PartyNaturalPerson
		party = personAt(g.seed, r.Uint64N(g.persons))
	case n < 15:
		kind = domain.PartyIndividualBusiness
		party = shopAt(g.seed, r.Uint64N(g.shops))
	default:
		party = g.pickCompany(r)
	}
	b := pickBand(r)
	c, ok := g.cat.pick(r, cur, kind, party.tag, b)
	if !ok {
		c, ok = g.cat.pick(r, cur, kind, party.tag, bandSmall)
	}
	if !ok { // nothing fits this party: an organization instead
		kind, party, b = domain.PartyOrganization, g.pickCompany(r), bandSmall
		c, _ = g.cat.pick(r, cur, kind, party.tag, b)
	}
	return kind, party, b, c
}

// caseVars are the words that fill a case's facts, with the district of
// the deciding bureau and how the decision addresses the party.
func (g *penaltyGen) caseVars(r *rand.Rand, kind domain.PartyKind, party company, c choice) (map[string]string, int, string) {
	vars := map[string]string{
		"n":    strconv.Itoa(2 + r.IntN(7)),
		"big":  strconv.Itoa(100 + r.IntN(400)),
		"p1":   pseudonym(r),
		"p2":   pseudonym(r),
		"town": party.town,
		"op":   fillers["op"][r.IntN(len(fillers["op"]))], // used twice in one sentence
	}
	district := party.district
	subject := "你单位"
	if kind == domain.PartyIndividualBusiness {
		subject = "你"
	}
	if kind == domain.PartyNaturalPerson {
		employer := g.pickCompany(r)
		vars["company"] = employer.party.Name
		vars["subject"] = "你在" + employer.party.Name
		vars["actor"] = "你在" + employer.party.Name
		subject = "你"
		if c.v.confiscate == "" {
			district = employer.district
		}
	} else {
		vars["subject"] = "你单位员工" + vars["p1"] + "在"
		vars["actor"] = "你单位在"
	}
	return vars, district, subject
}

// sanction decides a case's 处罚类别, its content, the fine and the
// confiscated gain in yuan; vars gains the figures the facts cite.
func sanction(r *rand.Rand, kind domain.PartyKind, b band, c choice, vars map[string]string) ([]string, string, int64, int64) {
	s := c.s
	var fine int64
	switch {
	case b == bandWarning:
	case b == bandLarge && c.overdue:
		fine = largeFine(r, s.overMin, s.overMax)
	case b == bandLarge:
		fine = largeFine(r, s.min, s.max)
	case kind == domain.PartyNaturalPerson && s.personMax > 0:
		fine = smallFine(r, 1_000, s.personMax)
	default:
		fine = smallFine(r, s.min, s.max)
	}
	var cats []string
	var content []string
	warning := b == bandWarning || (s.warning && r.IntN(2) == 0)
	if warning {
		cats = append(cats, "警告")
		content = append(content, "警告")
	}
	var gain int64
	if c.v.confiscate != "" {
		switch c.v.confiscate {
		case "烟花爆竹":
			gain = int64(200+r.IntN(48)*100) * int64(1+r.IntN(3))
			vars["boxes"] = strconv.Itoa(5 + r.IntN(60))
			content = append(content, fmt.Sprintf("没收违法所得人民币%s及非法经营的烟花爆竹%s箱", capitalYuan(gain), vars["boxes"]))
		default:
			gain = int64(5+r.IntN(56)) * 1_000
			content = append(content, fmt.Sprintf("没收违法所得人民币%s及非法经营的危险化学品", capitalYuan(gain)))
		}
		vars["gain"] = wanText(gain)
		cats = append(cats, "没收违法所得", "没收非法财物")
	}
	stop := s.stopAlways || (c.overdue && s.stop)
	if stop {
		cats = append(cats, "责令停产停业")
		content = append(content, "责令停产停业整顿")
	}
	if fine > 0 {
		cats = append(cats, "罚款")
		fineText := "罚款人民币" + capitalYuan(fine)
		if len(content) > 0 {
			fineText = "并处" + fineText
		}
		content = append(content, fineText)
	}
	return cats, strings.Join(content, "，"), fine, gain
}

// inspectionFacts writes the facts of an inspection case decided on day.
func inspectionFacts(r *rand.Rand, day time.Time, kind domain.PartyKind, c choice, subject string, vars map[string]string) string {
	inspected := day.AddDate(0, 0, -(15 + r.IntN(60)))
	fact := fillFacts(r, c.v.facts[r.IntN(len(c.v.facts))], vars)
	if kind == domain.PartyIndividualBusiness {
		fact = strings.ReplaceAll(fact, "你单位", "你")
	}
	var sb strings.Builder
	sb.WriteString(cnDate(inspected) + "，执法人员对" + inspectedParty(kind, c.v, vars) + "进行安全生产监督检查时发现：" + fact)
	if c.overdue {
		sb.WriteString("；经责令限期改正，" + subject + "逾期未改正")
	}
	sb.WriteString("。上述行为违反了" + c.s.duty + "的规定。")
	return sb.String()
}

// inspectedParty names who was inspected: the party, its employer (a
// person answering for a company), or the person's premises.
func inspectedParty(kind domain.PartyKind, v *violation, vars map[string]string) string {
	switch {
	case kind == domain.PartyIndividualBusiness || v.confiscate != "":
		return "你的经营场所"
	case kind == domain.PartyNaturalPerson:
		return vars["company"]
	}
	return "你单位"
}

var accidentTypes = []string{"机械伤害", "高处坠落", "物体打击", "触电", "起重伤害", "火灾", "中毒和窒息", "灼烫", "坍塌", "车辆伤害", "其他爆炸"}

// accidentCauses pair a cause with the provision it breaches, before and
// after the 2021 amendment.
var accidentCauses = []struct{ cause, old, cur string }{
	{"未对从业人员进行有效的安全生产教育和培训，作业人员安全意识淡薄、违规操作", "第二十五条第一款", "第二十八条第一款"},
	{"未及时排查消除设备安全防护装置缺失的事故隐患", "第三十八条第一款", "第四十一条第二款"},
	{"进行{work}作业时未安排专门人员进行现场安全管理", "第四十条", "第四十三条"},
	{"未对安全设备进行经常性维护、保养", "第三十三条第二款", "第三十六条第二款"},
	{"安全生产管理制度和操作规程不健全、不落实", "第四条", "第四条"},
}

// accident fills p with a case following a production-safety accident
// (事故): against the company, or against its principal (主要负责人) as a
// natural person fined a share of last year's income.
func (g *penaltyGen) accident(p *domain.Penalty, day time.Time) int {
	r := g.r
	cur := !day.Before(amendment2021)
	co := g.pickCompany(r)
	major := r.IntN(20) == 0 // 较大事故; otherwise 一般事故
	level := "一般"
	deaths := 1 + r.IntN(2)
	casualties := fmt.Sprintf("%d人死亡", deaths)
	if r.IntN(3) == 0 {
		casualties += fmt.Sprintf("、%d人受伤", 1+r.IntN(4))
	}
	if major {
		level = "较大"
		casualties = fmt.Sprintf("%d人死亡", 3+r.IntN(3))
	}
	cause := accidentCauses[r.IntN(len(accidentCauses))]
	vars := map[string]string{}
	causeText := fillFacts(r, cause.cause, vars)
	duty := cause.old
	if cur {
		duty = cause.cur
	}
	accidentDay := day.AddDate(0, 0, -(60 + r.IntN(120)))
	story := fmt.Sprintf("%s，%s%s发生一起%s事故，造成%s，直接经济损失约%d万元，属%s生产安全事故。",
		cnDate(accidentDay), co.party.Name, fillFacts(r, "{area}", vars), accidentTypes[r.IntN(len(accidentTypes))],
		casualties, 80+r.IntN(500), level)

	p.Stage = domain.StageAccident
	p.Categories = []string{"罚款"}
	var fine int64
	if r.IntN(100) < 55 {
		p.Party = co.party
		p.ViolationType = "对生产安全事故发生负有责任"
		switch {
		case cur && major:
			fine = pickAmount(r, 1_000_000, 1_200_000, 1_500_000, 2_000_000)
			p.Basis = lawSafety + "第一百一十四条第二项"
		case cur:
			fine = pickAmount(r, 300_000, 300_000, 350_000, 400_000, 400_000, 500_000, 600_000, 800_000, 1_000_000)
			p.Basis = lawSafety + "第一百一十四条第一项"
		case major:
			fine = pickAmount(r, 500_000, 600_000, 800_000, 1_000_000)
			p.Basis = lawSafety + "第一百零九条第二项"
		default:
			fine = pickAmount(r, 200_000, 200_000, 250_000, 300_000, 300_000, 400_000, 500_000)
			p.Basis = lawSafety + "第一百零九条第一项"
		}
		p.Facts = fmt.Sprintf("%s经事故调查组调查认定，你单位%s，违反了%s%s的规定，对事故发生负有责任。", story, causeText, lawSafety, duty)
		p.Content = "罚款人民币" + capitalYuan(fine)
	} else {
		principal := personAt(g.seed, g.persons+r.Uint64N(g.persons))
		p.Party = principal.party
		p.ViolationType = "主要负责人未履行安全生产管理职责，导致发生生产安全事故"
		income := int64(10+r.IntN(70)) * 10_000
		var pct int64
		switch {
		case cur && major:
			pct, p.Basis = 60, lawSafety+"第九十五条第二项"
		case cur:
			pct, p.Basis = 40, lawSafety+"第九十五条第一项"
		case major:
			pct, p.Basis = 40, lawSafety+"第九十二条第二项"
		default:
			pct, p.Basis = 30, lawSafety+"第九十二条第一项"
		}
		fine = income * pct / 100
		principalDuty := "第十八条"
		if cur {
			principalDuty = "第二十一条"
		}
		p.Facts = fmt.Sprintf("%s经事故调查组调查认定，你作为%s主要负责人，未履行%s%s规定的安全生产管理职责，%s，对事故发生负有责任。你上一年年收入为%s。",
			story, co.party.Name, lawSafety, principalDuty, causeText, wanText(income))
		p.Content = fmt.Sprintf("处上一年年收入百分之%s的罚款，计人民币%s", chinesePercent(pct), capitalYuan(fine))
	}
	p.Fine = domain.Money(fine * 100)
	if major {
		return municipal
	}
	return co.district
}

func pickAmount(r *rand.Rand, amounts ...int64) int64 { return amounts[r.IntN(len(amounts))] }

func chinesePercent(n int64) string {
	switch n {
	case 30:
		return "三十"
	case 40:
		return "四十"
	case 60:
		return "六十"
	}
	return strconv.FormatInt(n, 10)
}

// withdrawal decides how a published penalty ended, as of now: a few are
// revoked or corrected, severe ones may be repaired (信用修复) after their
// minimum period, and most expired ones were withdrawn the night after.
func (g *penaltyGen) withdrawal(r *rand.Rand, p domain.Penalty, published time.Time) *bulkload.Withdrawal {
	if g.public {
		return nil
	}
	after := func(from time.Time, maxDays int) time.Time {
		return from.Add(time.Duration(1+r.IntN(maxDays)) * 24 * time.Hour).Add(time.Duration(r.IntN(8*60)) * time.Minute)
	}
	switch n := r.IntN(1000); {
	case n < 8:
		if at := after(published, 90); at.Before(g.now) {
			return &bulkload.Withdrawal{Reason: domain.ReasonRevoked, Note: "原行政处罚决定经行政复议被撤销", At: at}
		}
	case n < 15:
		if at := after(published, 30); at.Before(g.now) {
			return &bulkload.Withdrawal{Reason: domain.ReasonCorrected, Note: "行政处罚决定书内容有误，已更正", At: at}
		}
	}
	until := p.PublicityUntil
	repairable := g.rules.RepairableFrom(p.Class, p.DecisionDate)
	if first := domain.ChinaDate(published).AddDate(0, 0, 1); repairable.Before(first) {
		repairable = first // repair follows publication
	}
	if repairable.Before(until) && repairable.Before(g.today) && r.IntN(100) < 30 {
		end := until
		if g.today.Before(end) {
			end = g.today
		}
		span := int(end.Sub(repairable).Hours()/24) + 1
		at := instant(r, repairable.AddDate(0, 0, r.IntN(span)))
		if at.Before(g.now) {
			return &bulkload.Withdrawal{Reason: domain.ReasonRepaired, Note: "当事人已履行行政处罚决定并完成信用修复", At: at}
		}
	}
	if until.Before(g.today) && r.IntN(100) < 92 {
		next := until.AddDate(0, 0, 1)
		at := time.Date(next.Year(), next.Month(), next.Day(), 1, r.IntN(60), 0, 0, china)
		if at.Before(g.now) {
			return &bulkload.Withdrawal{Reason: domain.ReasonExpired, Note: "公示期满", At: at}
		}
	}
	return nil
}
