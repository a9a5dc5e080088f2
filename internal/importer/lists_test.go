package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

var powerHeader = []string{"事项编码", "事项名称", "事项类型", "子项", "设定依据", "实施主体", "实施层级", "对应责任事项",
	"追责情形及依据", "备注", "实施依据", "申请主体", "申请方式", "受理时间与地点", "办理条件", "申请材料", "法定时限", "承诺时限",
	"收费情况及依据", "咨询电话", "监督投诉电话", "网上办理链接", "有关说明"}

func powerRows() [][]string {
	return [][]string{
		{"320500CF001", "对生产经营单位未按规定开展安全生产教育和培训的处罚", "行政处罚", "",
			"《中华人民共和国安全生产法》第九十七条", "执法监督处", "市级",
			"立案责任：对检查中发现的违法行为予以审查，决定是否立案；调查：两名以上执法人员调查取证；决定：作出行政处罚决定",
			"因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任", "", "《中华人民共和国安全生产法》",
			"", "", "", "", "", "90日", "", "不收费", "0512-68000000", "0512-12345", "", ""},
		{"320500XK001", "危险化学品经营许可", "行政许可", "带有储存设施的经营许可；不带储存设施的经营许可",
			"《危险化学品安全管理条例》第三十三条", "危险化学品安全监督管理处", "市级",
			"受理：公示办理条件和申请材料；审查：审查申请材料，组织现场核查；决定：作出许可决定；送达：制发许可证；事后监管：监督检查",
			"", "", "《危险化学品经营许可证管理办法》", "从事危险化学品经营的企业", "窗口或网上申请",
			"工作日 9:00—17:00，苏州市政务服务中心", "符合《危险化学品经营许可证管理办法》第六条规定的条件",
			"危险化学品经营许可证申请书；营业执照复印件\n安全评价报告", "30个工作日", "20个工作日", "不收费",
			"0512-68000001", "0512-12345", "https://www.jszwfw.gov.cn", ""},
	}
}

// powerItems are powerRows as domain items, flowcharts included.
func powerItems() []domain.PowerItem {
	return []domain.PowerItem{
		{Code: "320500CF001", Name: "对生产经营单位未按规定开展安全生产教育和培训的处罚", Category: "行政处罚",
			LegalBasis: "《中华人民共和国安全生产法》第九十七条", Unit: "执法监督处", Level: "市级",
			Duties: []domain.Duty{{Stage: "立案", Content: "对检查中发现的违法行为予以审查，决定是否立案"},
				{Stage: "调查", Content: "两名以上执法人员调查取证"}, {Stage: "决定", Content: "作出行政处罚决定"}},
			Accountability: "因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任",
			Guide: domain.Guide{Basis: "《中华人民共和国安全生产法》", StatutoryLimit: "90日", Fees: "不收费",
				ConsultPhone: "0512-68000000", ComplaintPhone: "0512-12345"},
			Flow: domain.StandardFlow("行政处罚")},
		{Code: "320500XK001", Name: "危险化学品经营许可", Category: "行政许可",
			SubItems:   []string{"带有储存设施的经营许可", "不带储存设施的经营许可"},
			LegalBasis: "《危险化学品安全管理条例》第三十三条", Unit: "危险化学品安全监督管理处", Level: "市级",
			Duties: []domain.Duty{{Stage: "受理", Content: "公示办理条件和申请材料"}, {Stage: "审查", Content: "审查申请材料，组织现场核查"},
				{Stage: "决定", Content: "作出许可决定"}, {Stage: "送达", Content: "制发许可证"}, {Stage: "事后监管", Content: "监督检查"}},
			Guide: domain.Guide{Basis: "《危险化学品经营许可证管理办法》", Applicant: "从事危险化学品经营的企业",
				Channels: "窗口或网上申请", TimePlace: "工作日 9:00—17:00，苏州市政务服务中心",
				Conditions:     "符合《危险化学品经营许可证管理办法》第六条规定的条件",
				Materials:      []string{"危险化学品经营许可证申请书", "营业执照复印件", "安全评价报告"},
				StatutoryLimit: "30个工作日", PromisedLimit: "20个工作日", Fees: "不收费",
				ConsultPhone: "0512-68000001", ComplaintPhone: "0512-12345", OnlineURL: "https://www.jszwfw.gov.cn"},
			Flow: domain.StandardFlow("行政许可")},
	}
}

func standardFlow(_ domain.ListKind, category string) domain.Flow {
	if category == "" {
		category = domain.ServiceCategory
	}
	return domain.StandardFlow(category)
}

func listOptions(kind Kind, path string) Options {
	opt := options(kind, path)
	opt.DefaultFlow = standardFlow
	return opt
}

func TestPowersImport(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := fixture{header: powerHeader, rows: powerRows()}
	csvPath := f.csv(t, filepath.Join(dir, "powers.csv"), csvStyle{bom: true})

	rep := run(t, s, listOptions(Powers, csvPath))
	if rep.Created != 2 || rep.Version != 1 || !rep.VersionCreated {
		t.Fatalf("first import: report = %+v", rep)
	}
	var duties, materials, nodes int
	must(t, s.Pool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM power_duties),
		(SELECT coalesce(sum(cardinality(guide_materials)), 0) FROM power_items),
		(SELECT count(*) FROM flow_nodes WHERE owner_kind = 'powers')`).Scan(&duties, &materials, &nodes))
	if duties != 8 || materials != 3 || nodes == 0 {
		t.Errorf("stored %d duties, %d materials, %d flow nodes; want 8, 3 and some", duties, materials, nodes)
	}
	changes := countRows(t, s, "changes")

	// The same list again, as CSV and as JSON items: nothing to publish.
	b, err := json.MarshalIndent(powerItems(), "", "  ")
	must(t, err)
	jsonPath := filepath.Join(dir, "powers.json")
	writeFile(t, jsonPath, b)
	for _, path := range []string{csvPath, jsonPath} {
		rep := run(t, s, listOptions(Powers, path))
		if rep.VersionCreated || rep.Version != 1 || rep.Unchanged != 2 || rep.Created+rep.Updated+rep.Removed != 0 {
			t.Errorf("%s: report = %+v, want version 1 unchanged", filepath.Base(path), rep)
		}
	}
	if countRows(t, s, "list_versions") != 1 || countRows(t, s, "changes") != changes {
		t.Error("re-importing the same list published something")
	}

	// Another layout (职权名称 for 事项名称) with one item changed and one
	// dropped: version 2.
	g := fixture{header: slices.Clone(powerHeader), rows: powerRows()[:1]}
	g.header[1] = "职权名称"
	g.rows[0][6] = "市级、区级"
	opt := listOptions(Powers, g.csv(t, filepath.Join(dir, "other.csv"), csvStyle{}))
	opt.Map = []string{"事项名称=职权名称"}
	opt.AllowRemovals = true // removes 1 of 2
	rep = run(t, s, opt)
	if rep.Version != 2 || rep.Updated != 1 || rep.Removed != 1 || rep.Created+rep.Unchanged != 0 {
		t.Errorf("changed list: report = %+v, want version 2 with 1 updated, 1 removed", rep)
	}
}

func TestPowersNeedAFlowchart(t *testing.T) {
	s := testenv.Store(t)
	f := fixture{header: powerHeader, rows: powerRows()}
	opt := options(Powers, f.csv(t, filepath.Join(t.TempDir(), "powers.csv"), csvStyle{})) // no DefaultFlow
	rep, err := Run(context.Background(), opt, s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	checkProblems(t, rep.Problems, []string{
		"row 2, field flow: no flowchart (办理流程)",
		"row 3, field flow: no flowchart (办理流程)",
	})
}

func TestListProblems(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := fixture{header: powerHeader, rows: append(powerRows(), powerRows()...)}
	f.rows[2][0] = "320500CF002"
	f = f.with(2, "事项类型", "行政罚款").
		with(2, "对应责任事项", "立案对违法行为予以审查").
		with(1, "设定依据", "")
	// Rows 1 and 3 share 320500XK001; their 申请材料 span two lines, so
	// the rows start on lines 2, 3, 5 and 6.
	path := f.csv(t, filepath.Join(dir, "bad.csv"), csvStyle{})
	rep, err := Run(context.Background(), listOptions(Powers, path), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	checkProblems(t, rep.Problems, []string{
		"row 3, column 事项编码 (code): duplicate code 320500XK001: also in row 6",
		"row 3, column 设定依据 (legal_basis): legal_basis is required",
		`row 5, column 对应责任事项 (duties): "立案对违法行为予以审查": write each duty as 阶段：内容`,
		`row 5, column 事项类型 (category): "行政罚款" is not one of`,
		"row 6, column 事项编码 (code): duplicate code 320500XK001: also in row 3",
	})
	if countRows(t, s, "list_versions") != 0 {
		t.Error("an invalid list was published")
	}

	empty := fixture{header: powerHeader}
	if _, err := Run(context.Background(), listOptions(Powers, empty.csv(t, filepath.Join(dir, "empty.csv"), csvStyle{})), s); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty list: err = %v, want ErrInvalid", err)
	}

	missing := fixture{header: []string{"事项编码", "事项名称"}, rows: [][]string{{"1", "x"}}}
	rep, err = Run(context.Background(), listOptions(Powers, missing.csv(t, filepath.Join(dir, "cols.csv"), csvStyle{})), s)
	if !errors.Is(err, ErrColumns) {
		t.Fatalf("missing columns: err = %v, want ErrColumns", err)
	}
	checkProblems(t, rep.Problems, []string{"row 1: missing required columns: 事项类型 (category), 设定依据 (legal_basis), 实施主体 (unit)"})

	writeFile(t, filepath.Join(dir, "bad.json"), []byte("[\n  {\"code\": \"A1\", \"colour\": \"red\"},\n  {\"code\": 7}\n]"))
	rep, err = Run(context.Background(), listOptions(Powers, filepath.Join(dir, "bad.json")), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("JSON: err = %v, want ErrInvalid", err)
	}
	var got []string
	for _, p := range rep.Problems {
		got = append(got, p.String())
	}
	for _, want := range []string{
		"record 1 (line 2), column colour: unknown field",
		"record 1 (line 2), column name: name is required",
		"record 2 (line 3), column code: must be a JSON string, not number",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("JSON problems %q lack %q", got, want)
		}
	}
}

func TestResponsibilitiesImport(t *testing.T) {
	s := testenv.Store(t)
	f := fixture{header: []string{"事项编码", "清单部分", "部门职责", "具体工作事项", "具体内容", "追责情形", "依据"}, rows: [][]string{
		{"ZZ-01", "主要职责", "负责全市安全生产综合监督管理", "组织编制安全生产规划", "会同有关部门编制全市安全生产规划并组织实施",
			"未按规定编制规划的", "《中华人民共和国安全生产法》第十条"},
		{"BJ-01", "职责边界", "危险化学品安全监督管理", "危险化学品运输安全", "应急管理部门负责危险化学品安全监督管理综合工作；交通运输部门负责运输安全", "", ""},
	}}
	rep := run(t, s, listOptions(Responsibilities, f.csv(t, filepath.Join(t.TempDir(), "r.csv"), csvStyle{gb18030: true})))
	if rep.Created != 2 || rep.Version != 1 {
		t.Fatalf("report = %+v", rep)
	}
	f = f.with(1, "清单部分", "边界")
	_, err := Run(context.Background(), listOptions(Responsibilities, f.csv(t, filepath.Join(t.TempDir(), "r.csv"), csvStyle{})), s)
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown part: err = %v, want ErrInvalid", err)
	}
}

func TestPublicServicesImportFromXLSX(t *testing.T) {
	s := testenv.Store(t)
	path := filepath.Join(t.TempDir(), "services.xlsx")
	x := excelize.NewFile()
	sheet := x.GetSheetName(0)
	must(t, x.SetSheetRow(sheet, "A1", &[]any{"事项编码", "事项名称", "服务对象", "依据", "实施主体", "申请材料", "办理时限", "咨询电话", "投诉电话"}))
	must(t, x.SetSheetRow(sheet, "A2", &[]any{"GG001", "安全生产举报受理", "公民、法人和其他组织", "《中华人民共和国安全生产法》第七十三条",
		"执法监督处", "举报材料\n相关证据", 15, "12350", 12345}))
	must(t, x.SetSheetRow(sheet, "A4", &[]any{"GG002", "安全生产政策咨询", "社会公众", "", "政策法规处", "", "即时", "0512-68000002", ""}))
	must(t, x.SaveAs(path))
	must(t, x.Close())

	rep := run(t, s, listOptions(PublicServices, path))
	if rep.Created != 2 || rep.Rows != 2 {
		t.Fatalf("report = %+v", rep)
	}
	var materials []string
	var limit, complaint string
	must(t, s.Pool().QueryRow(context.Background(), `SELECT materials, time_limit, complaint_phone FROM service_items WHERE code = 'GG001'`).
		Scan(&materials, &limit, &complaint))
	if !slices.Equal(materials, []string{"举报材料", "相关证据"}) || limit != "15" || complaint != "12345" {
		t.Errorf("stored %q, %q, %q", materials, limit, complaint)
	}
}

// A dry run reports the changes by name and writes nothing; a file that
// removes more than a quarter of the items is refused without
// AllowRemovals, and published with it.
func TestListDryRunAndRemovals(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := fixture{header: powerHeader, rows: powerRows()}
	run(t, s, listOptions(Powers, f.csv(t, filepath.Join(dir, "powers.csv"), csvStyle{})))
	versions, changes := countRows(t, s, "list_versions"), countRows(t, s, "changes")

	g := fixture{header: powerHeader, rows: powerRows()[1:]}
	g.rows[0][1] = "危险化学品经营许可（含仓储经营）"
	path := g.csv(t, filepath.Join(dir, "fewer.csv"), csvStyle{})
	opt := listOptions(Powers, path)
	opt.DryRun = true
	rep := run(t, s, opt)
	want := []store.ListChange{{Code: "320500XK001", Name: "危险化学品经营许可（含仓储经营）", Change: "changed"},
		{Code: "320500CF001", Name: "对生产经营单位未按规定开展安全生产教育和培训的处罚", Change: "removed"}}
	if !rep.DryRun || rep.Written || rep.Version != 2 || rep.Updated != 1 || rep.Removed != 1 || !slices.Equal(rep.Changes, want) {
		t.Errorf("dry run: report = %+v, want changes %v", rep, want)
	}
	if sum := rep.Summary(); !strings.Contains(sum, "dry run: would publish version 2, nothing written") ||
		!strings.Contains(sum, "removes 1 of 2 items, more than a quarter: publishing needs --allow-removals") {
		t.Errorf("dry-run summary %q", sum)
	}
	if countRows(t, s, "list_versions") != versions || countRows(t, s, "changes") != changes {
		t.Error("a dry run wrote")
	}

	_, err := Run(context.Background(), listOptions(Powers, path), s)
	if !errors.Is(err, store.ErrTooManyRemovals) || !strings.Contains(err.Error(), "--allow-removals") {
		t.Fatalf("removing 1 of 2 items: err = %v, want ErrTooManyRemovals naming --allow-removals", err)
	}
	if countRows(t, s, "list_versions") != versions {
		t.Error("a refused import wrote")
	}
	opt = listOptions(Powers, path)
	opt.AllowRemovals = true
	if rep := run(t, s, opt); rep.Version != 2 || rep.Removed != 1 || !rep.Written {
		t.Errorf("with AllowRemovals: report = %+v", rep)
	}
	if _, err := Run(context.Background(), Options{Kind: Penalties, Path: path, DryRun: true}, s); !errors.Is(err, ErrUsage) {
		t.Errorf("--dry-run of records: err = %v, want ErrUsage", err)
	}
}

// --map renames the keys of JSON list items, nested guide fields
// included, and drops the ones mapped to "-".
func TestListJSONMap(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	b, err := json.Marshal(powerItems())
	must(t, err)
	run(t, s, listOptions(Powers, writeTemp(t, dir, "powers.json", b)))

	var items []map[string]any
	must(t, json.Unmarshal(b, &items))
	for i, it := range items {
		it["职权名称"], it["序号"] = it["name"], i+1
		delete(it, "name")
		g := it["guide"].(map[string]any)
		it["办理条件说明"] = g["conditions"]
		delete(g, "conditions")
	}
	other, err := json.Marshal(items)
	must(t, err)
	path := writeTemp(t, dir, "other.json", other)
	opt := listOptions(Powers, path)
	opt.Map = []string{"事项名称=职权名称,guide.conditions=办理条件说明", "-=序号"}
	if rep := run(t, s, opt); rep.VersionCreated || rep.Unchanged != 2 {
		t.Errorf("the same items under other keys: report = %+v, want unchanged", rep)
	}
	opt.Map = []string{"事项名称=职权名称,guide.conditions=办理条件说明,-=序号,备注=无此字段"}
	_, err = Run(context.Background(), opt, s)
	if !errors.Is(err, ErrColumns) || !strings.Contains(fmt.Sprint(err), "无此字段") {
		t.Errorf("a mapped key no item has: err = %v", err)
	}
	opt.Map = []string{"职权=职权名称"}
	if _, err := Run(context.Background(), opt, s); !errors.Is(err, ErrColumns) {
		t.Errorf("an unknown target: err = %v", err)
	}
}

func writeTemp(t *testing.T, dir, name string, b []byte) string {
	p := filepath.Join(dir, name)
	writeFile(t, p, b)
	return p
}
