package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/openapi"
)

// ServeSpec serves the API contract, openapi/openapi.yaml.
func ServeSpec(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/yaml; charset=utf-8", openapi.Spec)
}
