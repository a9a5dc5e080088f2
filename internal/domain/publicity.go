package domain

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// Period is how long a penalty of one class stays published, in months from
// its decision date: never beyond MaxMonths, and not ended by credit repair
// (信用修复) before MinMonths.
type Period struct {
	MinMonths int `json:"min_months"`
	MaxMonths int `json:"max_months"`
}

// PublicityRules decide a penalty's publicity class and period (reference
// §4, 《信用修复管理办法》). The class boundaries are not fixed by law, so
// they are data: see DefaultPublicityRules and LoadPublicityRules.
type PublicityRules struct {
	// Periods holds the period of each of the three classes.
	Periods map[PublicityClass]Period `json:"periods"`
	// SevereCategories are the 处罚类别 that make a decision 严重 whatever
	// else it carries.
	SevereCategories []string `json:"severe_categories"`
	// MinorCategories are the 处罚类别 that make a decision 轻微 when every
	// category of the decision is one of them.
	MinorCategories []string `json:"minor_categories"`
	// SevereFineYuan is the fine, in whole yuan, above which (strictly) a
	// decision is 严重; 0 disables the rule.
	SevereFineYuan int64 `json:"severe_fine_yuan"`
}

// DefaultPublicityRules returns the bureau's defaults:
//
//   - 轻微: at most 3 months;
//   - 一般: 1 year, with no earlier repair — the national rule allows
//     3 months to 1 year, but several cities set a 1-year minimum for
//     安全生产 penalties, so the minimum is raised to 1 year here;
//   - 严重: at least 1 year, at most 3 years;
//   - 严重 categories: 吊销许可证件, 责令关闭, 限制从业, 降低资质等级,
//     责令停产停业;
//   - 轻微 categories: 警告, 通报批评;
//   - fines above 1,000,000 yuan are 严重 (unconfirmed: no national
//     threshold was found; set the bureau's own).
func DefaultPublicityRules() PublicityRules {
	return PublicityRules{
		Periods: map[PublicityClass]Period{
			ClassMinor:   {MinMonths: 0, MaxMonths: 3},
			ClassGeneral: {MinMonths: 12, MaxMonths: 12},
			ClassSevere:  {MinMonths: 12, MaxMonths: 36},
		},
		SevereCategories: []string{"吊销许可证件", "责令关闭", "限制从业", "降低资质等级", "责令停产停业"},
		MinorCategories:  []string{"警告", "通报批评"},
		SevereFineYuan:   1_000_000,
	}
}

// LoadPublicityRules reads rules from JSON in the form
//
//	{"periods": {"轻微": {"min_months": 0, "max_months": 3}, …},
//	 "severe_categories": […], "minor_categories": […],
//	 "severe_fine_yuan": 1000000}
//
// Keys absent from the JSON keep DefaultPublicityRules' values; a class
// given under "periods" replaces that class's period entirely. Unknown keys,
// unknown classes or categories, a category both severe and minor, negative
// values, a maximum of 0 or below the minimum are errors (see Validate).
func LoadPublicityRules(r io.Reader) (PublicityRules, error) {
	rules := DefaultPublicityRules()
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rules); err != nil {
		return PublicityRules{}, fmt.Errorf("publicity rules: %w", err)
	}
	if err := rules.Validate(); err != nil {
		return PublicityRules{}, err
	}
	return rules, nil
}

// Sanity bounds for loaded rules.
const (
	maxMonths   = 1200 // 100 years
	maxFineYuan = 1e15 // keeps SevereFineYuan*100 within int64
)

// Validate reports the first inconsistency in r, or nil: every class needs a
// period with 0 ≤ min ≤ max, 0 < max ≤ 1200 months; categories must be known
// 处罚类别 and not both severe and minor; the fine threshold must be ≥ 0.
func (r PublicityRules) Validate() error {
	for class := range r.Periods {
		if !slices.Contains(PublicityClasses, class) {
			return fmt.Errorf("publicity rules: unknown class %q", class)
		}
	}
	for _, class := range PublicityClasses {
		p, ok := r.Periods[class]
		switch {
		case !ok:
			return fmt.Errorf("publicity rules: no period for class %s", class)
		case p.MinMonths < 0 || p.MaxMonths <= 0 || p.MaxMonths > maxMonths:
			return fmt.Errorf("publicity rules: class %s: months must be between 0 and %d, maximum above 0", class, maxMonths)
		case p.MinMonths > p.MaxMonths:
			return fmt.Errorf("publicity rules: class %s: minimum %d months exceeds maximum %d", class, p.MinMonths, p.MaxMonths)
		}
	}
	for _, c := range append(slices.Clone(r.SevereCategories), r.MinorCategories...) {
		if !slices.Contains(PenaltyCategories, c) {
			return fmt.Errorf("publicity rules: unknown penalty category %q", c)
		}
	}
	for _, c := range r.SevereCategories {
		if slices.Contains(r.MinorCategories, c) {
			return fmt.Errorf("publicity rules: category %q is both severe and minor", c)
		}
	}
	if r.SevereFineYuan < 0 || r.SevereFineYuan > maxFineYuan {
		return fmt.Errorf("publicity rules: severe_fine_yuan must be between 0 and %d", int64(maxFineYuan))
	}
	return nil
}

// Classify returns the publicity class the rules give p, from its categories
// and fine only (p.Class is ignored): 严重 if any category is severe or the
// fine exceeds SevereFineYuan; otherwise 轻微 if it has categories and all are
// minor; otherwise 一般. The most severe class wins, so a decision with
// several categories gets the longest period among them.
func (r PublicityRules) Classify(p Penalty) PublicityClass {
	if r.SevereFineYuan > 0 && p.Fine > Money(r.SevereFineYuan*100) {
		return ClassSevere
	}
	minor := len(p.Categories) > 0
	for _, c := range p.Categories {
		if slices.Contains(r.SevereCategories, c) {
			return ClassSevere
		}
		if !slices.Contains(r.MinorCategories, c) {
			minor = false
		}
	}
	if minor {
		return ClassMinor
	}
	return ClassGeneral
}

// Until returns the publicity end date (公示截止期) of a decision of the given
// class made on decisionDate: decisionDate plus the class's maximum months, with
// time.AddDate semantics (a day that does not exist rolls over: 2024-11-30
// plus 3 months is 2025-03-02). A class without a period gets the longest
// maximum of all classes.
func (r PublicityRules) Until(class PublicityClass, decisionDate time.Time) time.Time {
	return decisionDate.AddDate(0, r.period(class).MaxMonths, 0)
}

// RepairableFrom returns the first day credit repair may end the publication
// of a decision of the given class made on decisionDate: decisionDate plus
// the class's minimum months (AddDate semantics, as Until).
func (r PublicityRules) RepairableFrom(class PublicityClass, decisionDate time.Time) time.Time {
	return decisionDate.AddDate(0, r.period(class).MinMonths, 0)
}

func (r PublicityRules) period(class PublicityClass) Period {
	if p, ok := r.Periods[class]; ok {
		return p
	}
	var longest Period
	for _, p := range r.Periods {
		if p.MaxMonths > longest.MaxMonths {
			longest = p
		}
	}
	return longest
}
