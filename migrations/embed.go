// Package migrations holds Gongshi's numbered SQL migrations, embedded so
// the portal binary can apply them anywhere.
package migrations

import "embed"

// FS contains every migration file.
//
//go:embed *.sql
var FS embed.FS
