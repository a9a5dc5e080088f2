package server

import "github.com/gin-gonic/gin"

// ReadStore is what the public read API needs.
type ReadStore interface{}

// registerReadAPI adds the public read endpoints under /api/v1.
func registerReadAPI(api *gin.RouterGroup, d Deps) {}
