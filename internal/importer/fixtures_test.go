package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// now is "today" for every test: decisions up to 2025-06-30 are allowed.
var now = time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC)

// creditCode builds a valid 统一社会信用代码 from its first 8 characters
// and an 8-character organization-code body, with both check characters
// computed by the domain's own functions.
func creditCode(t testing.TB, head8, org8 string) string {
	t.Helper()
	oc, err := domain.OrgCodeCheckChar(org8)
	if err != nil {
		t.Fatal(err)
	}
	body := head8 + org8 + string(oc)
	cc, err := domain.USCCCheckChar(body)
	if err != nil {
		t.Fatal(err)
	}
	code := body + string(cc)
	if err := domain.ValidateUSCC(code); err != nil {
		t.Fatalf("creditCode %s: %v", code, err)
	}
	return code
}

// breakCheck returns code with a wrong check character.
func breakCheck(code string) string {
	last := code[17]
	for _, c := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if byte(c) != last {
			return code[:17] + string(c)
		}
	}
	panic("unreachable")
}

// fixture is a file's content before it is written in some format: the
// header as standard codes, and rows of text.
type fixture struct {
	header []string
	rows   [][]string
}

var penaltyCodes = []string{"CF_WSH", "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_GSZC", "CF_XDR_ZJLX",
	"CF_XDR_ZJHM", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_CFJG",
	"CF_CFJGDM", "CF_SJLY", "CF_SJLYDM", "BZ"}

// penalties returns three valid penalties: an organisation fined 2万元, a
// natural person warned (its facts span two lines), and an individual
// business with the placeholder credit code.
func penalties(t testing.TB) fixture {
	agency := creditCode(t, "11320500", "01400023")
	company := creditCode(t, "91320505", "MA1XQ2B7")
	return fixture{header: penaltyCodes, rows: [][]string{
		{"苏应急罚〔2025〕1号", "苏州某某化工有限公司", "法人及非法人组织", company, "", "", "",
			"未按规定开展安全生产教育和培训", `未如实记录"安全生产教育和培训"的时间、内容, 参加人员`, "《中华人民共和国安全生产法》第九十七条",
			"罚款", "罚款人民币贰万元整", "2", "2025-03-05", "苏州市应急管理局", agency, "苏州市应急管理局", agency, ""},
		{"苏应急罚〔2025〕2号", "张三", "自然人", "", "", "身份证", "11010519491231002X",
			"违章作业", "在有限空间内违章动火作业\n未落实监护措施", "《江苏省安全生产条例》第四十八条",
			"警告", "给予警告", "", "2025-04-10", "苏州市应急管理局", agency, "苏州市应急管理局", agency, "简易程序"},
		{"苏应急罚〔2025〕3号", "吴中区某某五金店", "个体工商户", domain.USCCPlaceholder, "320506600123456", "", "",
			"未按规定储存危险化学品", "店内违规储存油漆、稀释剂", "《危险化学品安全管理条例》第八十条",
			"罚款;警告", "警告并罚款人民币伍佰元", "0.05", "2025-05-20", "苏州市应急管理局", agency, "苏州市应急管理局", agency, ""},
	}}
}

var permitCodes = []string{"XK_XKWS", "XK_WSH", "XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_FRDB", "XK_XKLB",
	"XK_XKZS", "XK_XKBH", "XK_NR", "XK_JDRQ", "XK_YXQZ", "XK_YXQZI", "XK_XKJG", "XK_XKJGDM", "XK_ZT", "XK_LYDW", "XK_LYDWDM"}

func permits(t testing.TB) fixture {
	agency := creditCode(t, "11320500", "01400023")
	return fixture{header: permitCodes, rows: [][]string{
		{"危险化学品经营许可决定书", "苏危化经许〔2025〕11号", "苏州某某贸易有限公司", "法人及非法人组织",
			creditCode(t, "91320508", "MA1Y8K3C"), "李四", "普通", "危险化学品经营许可证", "苏苏危化经字〔2025〕000011",
			"危险化学品经营（不带储存设施）", "2025-02-14", "2025-02-14", "2028-02-13", "苏州市应急管理局", agency, "有效",
			"苏州市应急管理局", agency},
		{"烟花爆竹经营（零售）许可决定书", "苏烟零许〔2025〕7号", "相城区某某烟花爆竹店", "个体工商户",
			creditCode(t, "92320507", "MA1W3F8G"), "王五", "普通", "烟花爆竹经营（零售）许可证", "（苏）YH〔2025〕0007",
			"烟花爆竹零售", "2025-01-06", "2025-01-06", "2027-01-05", "苏州市应急管理局", agency, "有效",
			"苏州市应急管理局", agency},
	}}
}

// labels returns the header with each code replaced by its Chinese label.
func (f fixture) labels(fields []domain.Field) fixture {
	g := f
	g.header = make([]string, len(f.header))
	for i, code := range f.header {
		fd, ok := domain.FieldByCode(fields, code)
		if !ok {
			panic(code)
		}
		g.header[i] = fd.Label
	}
	return g
}

// with returns a copy with cell (row, code) set to v.
func (f fixture) with(row int, code, v string) fixture {
	g := fixture{header: f.header, rows: make([][]string, len(f.rows))}
	for i, r := range f.rows {
		g.rows[i] = append([]string{}, r...)
	}
	for i, h := range f.header {
		if h == code {
			g.rows[row][i] = v
			return g
		}
	}
	panic("no column " + code)
}

type csvStyle struct {
	bom, gb18030, tab bool
}

func (f fixture) csv(t testing.TB, path string, st csvStyle) string {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if st.tab {
		w.Comma = '\t'
	}
	w.Write(f.header)
	w.WriteAll(f.rows)
	b := buf.Bytes()
	if st.gb18030 {
		var err error
		b, err = simplifiedchinese.GB18030.NewEncoder().Bytes(b)
		if err != nil {
			t.Fatal(err)
		}
	}
	if st.bom {
		b = append([]byte("\uFEFF"), b...)
	}
	writeFile(t, path, b)
	return path
}

// xlsx writes the fixture as a workbook the way a person would fill it:
// dates as date cells, amounts as numbers, the rest as text. Rows are
// written from sheet row firstRow on (header in row 1).
func (f fixture) xlsx(t testing.TB, path string, fields []domain.Field, firstRow int) string {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	sheet := x.GetSheetName(0)
	types := make([]domain.FieldType, len(f.header))
	for i, h := range f.header {
		if fd, ok := domain.FieldByCode(fields, h); ok {
			types[i] = fd.Type
		} else if fd, ok := fieldByLabel(fields, h); ok {
			types[i] = fd.Type
		}
		cell, _ := excelize.CoordinatesToCellName(i+1, 1)
		must(t, x.SetCellStr(sheet, cell, h))
	}
	for r, rec := range f.rows {
		for i, v := range rec {
			cell, _ := excelize.CoordinatesToCellName(i+1, firstRow+r)
			switch {
			case v == "":
			case types[i] == domain.TypeDate:
				d, err := time.Parse(domain.DateLayout, v)
				if err != nil {
					must(t, x.SetCellStr(sheet, cell, v))
					continue
				}
				must(t, x.SetCellValue(sheet, cell, d))
			case types[i] == domain.TypeMoney:
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					must(t, x.SetCellStr(sheet, cell, v))
					continue
				}
				must(t, x.SetCellValue(sheet, cell, n))
			default:
				must(t, x.SetCellStr(sheet, cell, v))
			}
		}
	}
	must(t, x.SaveAs(path))
	return path
}

func fieldByLabel(fields []domain.Field, label string) (domain.Field, bool) {
	for _, f := range fields {
		if f.Label == label {
			return f, true
		}
	}
	return domain.Field{}, false
}

// json writes the fixture as an array of objects keyed by the header;
// amounts become JSON numbers and multi-valued CF_CFLB an array.
func (f fixture) json(t testing.TB, path string) string {
	t.Helper()
	var objs []string
	for _, rec := range f.rows {
		var parts []string
		for i, h := range f.header {
			k, _ := json.Marshal(h)
			var v []byte
			switch {
			case h == "CF_NR_FK" && rec[i] != "":
				v = []byte(rec[i])
			case h == "CF_CFLB" && strings.Contains(rec[i], ";"):
				v, _ = json.Marshal(strings.Split(rec[i], ";"))
			default:
				v, _ = json.Marshal(rec[i])
			}
			parts = append(parts, fmt.Sprintf("%s: %s", k, v))
		}
		objs = append(objs, "  {\n    "+strings.Join(parts, ",\n    ")+"\n  }")
	}
	writeFile(t, path, []byte("[\n"+strings.Join(objs, ",\n")+"\n]\n"))
	return path
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var cli = store.Actor{Name: "cli:import-test"}

func options(kind Kind, path string) Options {
	return Options{Kind: kind, Path: path, Actor: cli, Now: now}
}

func run(t testing.TB, w Writer, opt Options) Report {
	t.Helper()
	rep, err := Run(context.Background(), opt, w)
	if err != nil {
		t.Fatalf("Run(%s): %v", filepath.Base(opt.Path), err)
	}
	return rep
}

// snapshot is every stored penalty or permit as text, in decision-number
// order; equal record hashes mean equal domain records.
func snapshot(t testing.TB, s *store.Store, table string) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `
		SELECT concat_ws(' | ', a.credit_code, r.decision_no, r.party_name, r.party_kind, r.credit_code,
			r.status, r.updated_at::text, encode(r.record_hash, 'hex'))
		FROM `+table+` r JOIN agencies a ON a.id = r.agency_id ORDER BY r.decision_no`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		out = append(out, s)
	}
	must(t, rows.Err())
	return out
}

// hashes is snapshot without the timestamps: what must be equal across
// formats imported into fresh databases.
func hashes(t testing.TB, s *store.Store, table string) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `
		SELECT concat_ws(' | ', r.decision_no, encode(r.record_hash, 'hex')) FROM `+table+` r ORDER BY r.decision_no`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		must(t, rows.Scan(&s))
		out = append(out, s)
	}
	must(t, rows.Err())
	return out
}

func countRows(t testing.TB, s *store.Store, table string) int {
	t.Helper()
	var n int
	must(t, s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n))
	return n
}
