package search

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// BenchmarkPenaltyDocumentPinyin prints what the pinyin of a party name
// adds to a penalty document, built and encoded as the indexer sends it:
// time and bytes against the same document without it (the same party
// as a natural person, whose name is never indexed in pinyin), in the
// same run.
func BenchmarkPenaltyDocumentPinyin(b *testing.B) {
	p := domain.PublishedPenalty{}
	p.ID, p.DecisionNo, p.Name, p.Kind = 1, "昆应急罚〔2026〕901号", "昆山毅科精细化工有限公司", domain.PartyOrganization
	p.CreditCode, p.Agency, p.Facts = "91320583MA2JT3FH9G", "昆山市应急管理局", "经查，该公司未如实记录安全生产教育和培训情况。"
	p.DecisionDate, p.PublicityUntil, p.PublishedAt = time.Now(), time.Now(), time.Now()
	person := p
	person.Kind = domain.PartyNaturalPerson
	measure := func(p domain.PublishedPenalty) (time.Duration, int) {
		start, size := time.Now(), 0
		for range b.N {
			out, err := json.Marshal(PenaltyDocument(p, 1))
			if err != nil {
				b.Fatal(err)
			}
			size = len(out)
		}
		return time.Since(start), size
	}
	b.ResetTimer()
	base, baseSize := measure(person)
	with, withSize := measure(p)
	b.ReportMetric(float64(with)/float64(base), "time_ratio")
	b.ReportMetric(float64(withSize)/float64(baseSize), "bytes_ratio")
	b.ReportMetric(float64(len(PartyPinyin(p.Name))), "pinyin_words")
}
