package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// SubjectRecordLimit caps how many penalties and how many permits a
// subject profile lists; the counts and totals always cover every record.
const SubjectRecordLimit = 500

// Subject is the public profile of one party identified by its 统一社会信用代码:
// its public penalties and permits (newest decision first, masked), how
// many there are, its fines, and the names it was recorded under.
type Subject struct {
	CreditCode       string
	Penalties        []domain.PublishedPenalty
	Permits          []domain.PublishedPermit
	PenaltyCount     int64
	PermitCount      int64
	FineTotal        domain.Money
	ConfiscatedTotal domain.Money
	Names            []SubjectName // most recently used first
}

// SubjectName is one name a subject was recorded under, with the decision
// dates of its first and last records under that name.
type SubjectName struct {
	Name    string
	First   time.Time
	Last    time.Time
	Records int64
}

// Subject returns the public profile of the party with the credit code;
// ErrNotFound when it has no public record. The 个体工商户 placeholder
// 00000000000000000X identifies no one and is never found.
func (pub *Public) Subject(ctx context.Context, creditCode string) (Subject, error) {
	if creditCode == "" || domain.IsUSCCPlaceholder(creditCode) {
		return Subject{}, fmt.Errorf("store.Subject(%q): %w", creditCode, ErrNotFound)
	}
	sub := Subject{CreditCode: creditCode}
	today := pub.today()
	batch := &pgx.Batch{}
	batch.Queue(`SELECT
		(SELECT count(*) FROM penalties p WHERE `+publicPenalty+` AND p.credit_code = $2),
		(SELECT coalesce(sum(p.fine_yuan * 100), 0)::bigint FROM penalties p WHERE `+publicPenalty+` AND p.credit_code = $2),
		(SELECT coalesce(sum(p.confiscated_yuan * 100), 0)::bigint FROM penalties p WHERE `+publicPenalty+` AND p.credit_code = $2),
		(SELECT count(*) FROM permits p WHERE `+publicPermit+` AND p.credit_code = $2)`, today, creditCode).
		QueryRow(func(row pgx.Row) error {
			return row.Scan(&sub.PenaltyCount, &sub.FineTotal, &sub.ConfiscatedTotal, &sub.PermitCount)
		})
	batch.Queue(penaltySelect+`WHERE `+publicPenalty+` AND p.credit_code = $2
		ORDER BY p.decision_date DESC, p.id DESC LIMIT $3`, today, creditCode, SubjectRecordLimit).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				p, err := scanPenalty(rows)
				if err != nil {
					return err
				}
				sub.Penalties = append(sub.Penalties, pub.maskPenalty(p))
			}
			return rows.Err()
		})
	batch.Queue(permitSelect+`WHERE `+publicPermit+` AND p.credit_code = $1
		ORDER BY p.decision_date DESC, p.id DESC LIMIT $2`, creditCode, SubjectRecordLimit).
		Query(func(rows pgx.Rows) error {
			for rows.Next() {
				p, err := scanPermit(rows)
				if err != nil {
					return err
				}
				sub.Permits = append(sub.Permits, pub.maskPermit(p))
			}
			return rows.Err()
		})
	batch.Queue(`SELECT name, min(d), max(d), count(*) FROM (
			SELECT p.party_name AS name, p.decision_date AS d FROM penalties p WHERE `+publicPenalty+` AND p.credit_code = $2
			UNION ALL
			SELECT p.party_name, p.decision_date FROM permits p WHERE `+publicPermit+` AND p.credit_code = $2
		) r GROUP BY name ORDER BY max(d) DESC, name`, today, creditCode).
		Query(func(rows pgx.Rows) error {
			var err error
			sub.Names, err = pgx.CollectRows(rows, pgx.RowToStructByPos[SubjectName])
			for i := range sub.Names {
				sub.Names[i].Name = pub.rules.Text(sub.Names[i].Name) // as in the records
			}
			return err
		})
	if err := pub.s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return Subject{}, fmt.Errorf("store.Subject(%s): %w", creditCode, err)
	}
	if sub.PenaltyCount+sub.PermitCount == 0 {
		return Subject{}, fmt.Errorf("store.Subject(%s): %w", creditCode, ErrNotFound)
	}
	return sub, nil
}
