// Package public holds the portal's web templates and static assets,
// embedded into the binary so it contacts no external host.
package public

import "embed"

// Templates are the html/template files of the pages.
//
//go:embed templates/*.html
var Templates embed.FS

// Static holds CSS, scripts and icons served under /static/.
//
//go:embed static
var Static embed.FS
