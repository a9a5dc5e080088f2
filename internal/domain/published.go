package domain

import "time"

// Publication is what Gongshi knows about a stored record beyond its
// standard fields: its id, where it was issued, and its publication state.
type Publication struct {
	ID             int64
	District       string // district name of the issuing agency; "" when unknown
	DistrictCode   string
	Status         Status
	WithdrawReason WithdrawReason // "" while published
	WithdrawNote   string
	WithdrawnAt    *time.Time
	PublishedAt    time.Time
	UpdatedAt      time.Time
	Demo           bool // synthetic 示例数据
}

// PublishedPenalty is a stored penalty with its publication state.
type PublishedPenalty struct {
	Publication
	Penalty
}

// PublishedPermit is a stored permit with its publication state.
type PublishedPermit struct {
	Publication
	Permit
}

// Public reports whether the penalty may be shown to the public on day
// today: published and within its publicity period.
func (p PublishedPenalty) Public(today time.Time) bool {
	return p.Status == StatusPublished && !p.PublicityUntil.Before(dateOf(today))
}

// Public reports whether the permit may be shown to the public.
func (p PublishedPermit) Public() bool { return p.Status == StatusPublished }
