package domain

import (
	"slices"
	"strings"
)

// noteRule is what the free-text note of a withdrawal or of a list
// version accepts.
var noteRule = TextRule{MaxLength: MaxNote, Multiline: true}

// ValidateWithdrawal reports what is wrong with a withdrawal's reason
// (one of WithdrawReasons) and note (optional text, see CheckText, at most
// MaxNote characters); nil when both are acceptable.
func ValidateWithdrawal(reason WithdrawReason, note string) FieldErrors {
	var errs FieldErrors
	if !slices.Contains(WithdrawReasons, reason) {
		errs = append(errs, FieldError{Field: "reason", Code: CodeEnum,
			Message: "must be one of " + strings.Join(enumStrings(WithdrawReasons), ", ")})
	}
	if code, msg := CheckText(note, noteRule); code != "" {
		errs = append(errs, FieldError{Field: "note", Code: code, Message: msg})
	}
	return errs
}

// ValidateVersionNote reports what is wrong with the note of a list
// version (optional text, at most MaxNote characters); nil when it is
// acceptable.
func ValidateVersionNote(note string) FieldErrors {
	if code, msg := CheckText(note, noteRule); code != "" {
		return FieldErrors{{Field: "note", Code: code, Message: msg}}
	}
	return nil
}
