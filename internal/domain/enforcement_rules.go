package domain

import (
	"encoding/json"
	"fmt"
	"io"
	"regexp"
)

// EnforcementRules are the parts of the enforcement disclosure rules that
// are not settled nationally, as data: see DefaultEnforcementRules and
// LoadEnforcementRules.
type EnforcementRules struct {
	// CertificatePattern is the shape of an enforcement certificate number
	// (执法证号) after NormalizeCode, as a Go regular expression matched
	// against the whole number.
	CertificatePattern string `json:"certificate_pattern"`
	// ResultDeadlineWorkdays is within how many working days of an
	// inspection its result must be published.
	ResultDeadlineWorkdays int `json:"result_deadline_workdays"`
	// LargeFineYuan is the fine, in whole yuan, from which (inclusive) a
	// case counts as large in the quarterly figures.
	LargeFineYuan int64 `json:"large_fine_yuan"`

	certificate *regexp.Regexp
}

// DefaultCertificatePattern accepts one to four Chinese characters (the
// province's abbreviation and the certificate's kind, as in 苏执) followed
// by 6 to 16 digits or capital letters — Jiangsu's 苏执3205012345 and the
// forms other provinces print. The exact national format is unconfirmed;
// a bureau that knows its own sets a stricter pattern, e.g. ^苏执[0-9]{10}$.
const DefaultCertificatePattern = `^\p{Han}{1,4}[0-9A-Z]{6,16}$`

// DefaultEnforcementRules returns the defaults:
//
//   - certificate numbers of DefaultCertificatePattern;
//   - inspection results published within 20 working days, the rule of
//     market regulation; the period for emergency management is
//     unconfirmed;
//   - large cases from 50,000 yuan, as the bureau's quarterly reports count
//     them.
func DefaultEnforcementRules() EnforcementRules {
	r := EnforcementRules{CertificatePattern: DefaultCertificatePattern, ResultDeadlineWorkdays: 20, LargeFineYuan: 50_000}
	if err := r.compile(); err != nil {
		panic(err) // the default pattern compiles
	}
	return r
}

// LoadEnforcementRules reads rules from JSON in the form
//
//	{"certificate_pattern": "^苏执[0-9]{10}$", "result_deadline_workdays": 20, "large_fine_yuan": 50000}
//
// Keys absent from the JSON keep DefaultEnforcementRules' values. Unknown
// keys, a pattern that does not compile or matches the empty string, a
// deadline outside 1–365 working days or a fine below 1 yuan are errors.
func LoadEnforcementRules(r io.Reader) (EnforcementRules, error) {
	rules := DefaultEnforcementRules()
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rules); err != nil {
		return EnforcementRules{}, fmt.Errorf("enforcement rules: %w", err)
	}
	if err := rules.Validate(); err != nil {
		return EnforcementRules{}, err
	}
	return rules, nil
}

// Validate reports the first problem of r, or nil, and prepares its
// pattern.
func (r *EnforcementRules) Validate() error {
	if err := r.compile(); err != nil {
		return err
	}
	switch {
	case r.certificate.MatchString(""):
		return fmt.Errorf("enforcement rules: certificate_pattern %q matches an empty number", r.CertificatePattern)
	case r.ResultDeadlineWorkdays < 1 || r.ResultDeadlineWorkdays > 365:
		return fmt.Errorf("enforcement rules: result_deadline_workdays must be between 1 and 365, got %d", r.ResultDeadlineWorkdays)
	case r.LargeFineYuan < 1 || r.LargeFineYuan > maxFineYuan:
		return fmt.Errorf("enforcement rules: large_fine_yuan must be between 1 and %d", int64(maxFineYuan))
	}
	return nil
}

func (r *EnforcementRules) compile() error {
	re, err := regexp.Compile(r.CertificatePattern)
	if err != nil {
		return fmt.Errorf("enforcement rules: certificate_pattern: %w", err)
	}
	r.certificate = re
	return nil
}

// orDefault returns r, or DefaultEnforcementRules when r is the zero value.
func (r EnforcementRules) orDefault() EnforcementRules {
	if r.CertificatePattern == "" && r.ResultDeadlineWorkdays == 0 {
		return DefaultEnforcementRules()
	}
	if r.certificate == nil {
		if err := r.compile(); err != nil {
			panic(err) // rules are validated when loaded
		}
	}
	return r
}

// ValidCertificate reports whether no, already normalised, has the shape
// of a certificate number.
func (r EnforcementRules) ValidCertificate(no string) bool {
	return r.orDefault().certificate.MatchString(no)
}

// LargeFine is the Money from which a fine is large.
func (r EnforcementRules) LargeFine() Money { return Money(r.orDefault().LargeFineYuan * 100) }
