package server

import "github.com/gin-gonic/gin"

// DatasetStore is what the open-data catalog and downloads need.
type DatasetStore interface{}

// registerDatasets adds the dataset catalog, downloads and snapshots.
func registerDatasets(api *gin.RouterGroup, d Deps) {}
