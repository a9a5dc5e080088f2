package domain

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var itemCodePattern = regexp.MustCompile(`^[0-9A-Z][0-9A-Z-]*$`)

// listChecker collects the problems of one list, item by item.
type listChecker struct {
	errs    FieldErrors
	codes   map[string]int
	index   int
	refused map[string]bool // root fields of the current item whose text failed CheckText
}

// item starts checking item i: its text fields first (checkTexts), so that
// no later check reads or quotes a value that failed them.
func item[T any](c *listChecker, i int, fields []listField[T], it *T) {
	c.index = i
	errs, refused := checkTexts(fields, it)
	c.errs = append(c.errs, errs.WithIndex(i)...)
	c.refused = refused
}

// add records a problem, unless the field's text was refused.
func (c *listChecker) add(field, code, format string, args ...any) {
	if c.refused[rootField(field)] {
		return
	}
	c.errs = append(c.errs, FieldError{Index: c.index, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (c *listChecker) required(field, value string) {
	if strings.TrimSpace(value) == "" {
		c.add(field, CodeRequired, "%s is required", field)
	}
}

func (c *listChecker) code(code string, strict bool) {
	if c.refused["code"] {
		return
	}
	switch {
	case strings.TrimSpace(code) == "":
		c.add("code", CodeRequired, "code is required")
		return
	case strict && !itemCodePattern.MatchString(code):
		c.add("code", CodeFormat, "code %q must be upper-case letters, digits and hyphens", code)
	}
	if j, dup := c.codes[code]; dup {
		c.add("code", CodeConflict, "code %q is also used by item %d", code, j)
		return
	}
	c.codes[code] = c.index
}

func (c *listChecker) flow(f Flow, required bool) {
	if c.refused["flow"] || len(f.Nodes) == 0 && len(f.Edges) == 0 && !required {
		return
	}
	var fe FieldErrors
	if err := f.Validate(); errors.As(err, &fe) {
		c.errs = append(c.errs, fe.WithIndex(c.index)...)
	} else if err != nil {
		c.add("flow", CodeFormat, "%v", err)
	}
}

func (c *listChecker) oneOf(field, value string, allowed []string) {
	if !slices.Contains(allowed, value) {
		c.add(field, CodeEnum, "%q is not one of %s", value, strings.Join(allowed, "、"))
	}
}

func newListChecker(n int) *listChecker {
	if n == 0 {
		return &listChecker{errs: FieldErrors{{Field: "items", Code: CodeRequired, Message: "the list is empty"}}}
	}
	return &listChecker{codes: map[string]int{}}
}

// ValidatePowerItems reports every problem of a whole power list: required
// fields, known categories and stages, unique codes and a valid flowchart
// for every item. FieldError.Index is the item's position.
func ValidatePowerItems(items []PowerItem) FieldErrors {
	c := newListChecker(len(items))
	for i, it := range items {
		item(c, i, powerFields, &it)
		c.code(it.Code, true)
		c.required("name", it.Name)
		c.oneOf("category", it.Category, PowerCategories)
		c.required("legal_basis", it.LegalBasis)
		c.required("unit", it.Unit)
		for j, d := range it.Duties {
			if strings.TrimSpace(d.Stage) == "" || strings.TrimSpace(d.Content) == "" {
				c.add(fmt.Sprintf("duties[%d]", j), CodeRequired, "a duty needs a stage and content")
			}
		}
		c.flow(it.Flow, true)
	}
	return c.errs
}

// ValidateResponsibilityItems reports every problem of a whole
// responsibility list.
func ValidateResponsibilityItems(items []ResponsibilityItem) FieldErrors {
	c := newListChecker(len(items))
	for i, it := range items {
		item(c, i, responsibilityFields, &it)
		c.code(it.Code, false)
		c.oneOf("part", it.Part, ResponsibilityParts)
		c.required("duty", it.Duty)
		c.required("name", it.Name)
	}
	return c.errs
}

// ValidateServiceItems reports every problem of a whole public-service
// list; a flowchart is optional but must be valid when present.
func ValidateServiceItems(items []ServiceItem) FieldErrors {
	c := newListChecker(len(items))
	for i, it := range items {
		item(c, i, serviceFields, &it)
		c.code(it.Code, false)
		c.required("name", it.Name)
		c.required("unit", it.Unit)
		c.flow(it.Flow, false)
	}
	return c.errs
}
