package domain

import (
	"fmt"
	"strings"
)

// Stable error codes carried by FieldError.Code.
const (
	CodeRequired = "required" // a required field is empty
	CodeChecksum = "checksum" // an identifier's check character is wrong
	CodeFormat   = "format"   // wrong length, alphabet or shape
	CodeEnum     = "enum"     // not one of the allowed values
	CodeRange    = "range"    // a number or date outside its allowed range
	CodeUnknown  = "unknown"  // a field that does not exist
	CodeConflict = "conflict" // inconsistent with another field or record
	CodeTooLong  = "too_long" // longer than the field's maximum length
)

// FieldError is one problem with one field of one input record. Index is the
// record's position in its batch (0-based) and Row its line in a file
// (1-based, header = row 1); either may be unused.
type FieldError struct {
	Index   int    `json:"index"`
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e FieldError) Error() string {
	return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Code)
}

// FieldErrors is every problem found in an input; it is an error when non-empty.
type FieldErrors []FieldError

func (es FieldErrors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// WithIndex returns a copy of es with every Index set to i.
func (es FieldErrors) WithIndex(i int) FieldErrors {
	out := make(FieldErrors, len(es))
	for j, e := range es {
		e.Index = i
		out[j] = e
	}
	return out
}
