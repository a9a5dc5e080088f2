package web

import (
	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
)

// The withdrawals page: why published decisions are taken down, and how
// many were, by month and reason — counts only, naming no party.

type withdrawalsPage struct {
	pageData
	Reasons []domain.WithdrawReason
	Months  []withdrawalRow
	Totals  withdrawalRow
}

// withdrawalRow is one month: penalties and permits withdrawn per reason
// (in the order of Reasons), and the month's total.
type withdrawalRow struct {
	Month     string
	Penalties []int64
	Permits   []int64
	Total     int64
}

func (h *Handlers) withdrawalsPage(c *gin.Context) error {
	ms, err := h.reads.Withdrawals(c.Request.Context())
	if err != nil {
		return err
	}
	pr := printer(c)
	d := &withdrawalsPage{pageData: h.page(c, pr.T("withdrawals.title"), "withdrawals"), Reasons: domain.WithdrawReasons}
	d.Totals = withdrawalRow{Penalties: make([]int64, len(d.Reasons)), Permits: make([]int64, len(d.Reasons))}
	for _, m := range ms {
		row := withdrawalRow{Month: m.Month, Total: m.Total}
		for i, r := range d.Reasons {
			row.Penalties = append(row.Penalties, m.Penalty[r])
			row.Permits = append(row.Permits, m.Permit[r])
			d.Totals.Penalties[i] += m.Penalty[r]
			d.Totals.Permits[i] += m.Permit[r]
		}
		d.Totals.Total += m.Total
		d.Months = append(d.Months, row)
	}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("withdrawals.title"), ""}}
	return h.render(c, "withdrawals", d)
}
