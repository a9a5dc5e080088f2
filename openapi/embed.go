// Package openapi holds Gongshi's API contract, openapi.yaml (OpenAPI
// 3.1): every route of the server, the JSON shapes it returns and the data
// dictionary's standard code of every record field (x-standard-code). The
// server serves it at /openapi.yaml and its tests validate responses
// against it.
package openapi

import _ "embed"

// Spec is the text of openapi.yaml.
//
//go:embed openapi.yaml
var Spec []byte
