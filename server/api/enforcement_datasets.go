package api

import (
	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// enforcementDatasetsPath is the root of the enforcement datasets: the
// same metadata and live downloads as /api/v1/datasets, without daily
// snapshots.
const enforcementDatasetsPath = "/api/v1/enforcement-datasets"

// enforcementDatasets serve the enforcement datasets, sharing the live
// downloads' slots with the other datasets.
type enforcementDatasets struct {
	*datasetHandlers
	store EnforcementReads
}

func enforcementDatasetParam(c *gin.Context) (dataset.Dataset, error) {
	ds, ok := dataset.EnforcementByName(c.Param("name"))
	if !ok {
		return ds, httpx.NotFound("no such enforcement dataset; the list is " + enforcementDatasetsPath)
	}
	return ds, nil
}

// describeEnforcementDataset is a catalog entry of an enforcement dataset:
// its downloads live under enforcementDatasetsPath, and it has no
// snapshots.
func describeEnforcementDataset(ds dataset.Dataset, st store.DatasetState) catalogDataset {
	d := describeDataset(ds, st)
	base := enforcementDatasetsPath + "/" + ds.Name
	d.ID, d.Snapshots = base, ""
	for i := range d.Distribution {
		u := base + "/download?format=" + d.Distribution[i].Format
		d.Distribution[i].DownloadURL, d.Distribution[i].AccessURL = u, u
	}
	return d
}

// list handles GET /api/v1/enforcement-datasets.
func (h enforcementDatasets) list(c *gin.Context) error {
	if err := httpx.QueryParams(c).Err(); err != nil {
		return err
	}
	var out []catalogDataset
	var versions []string
	for _, ds := range dataset.Enforcement {
		st, err := h.store.EnforcementDatasetState(c.Request.Context(), ds.Name)
		if err != nil {
			return err
		}
		versions = append(versions, st.Version)
		out = append(out, describeEnforcementDataset(ds, st))
	}
	return writeLinkedData(c, struct {
		Context map[string]any   `json:"@context"`
		Dataset []catalogDataset `json:"dataset"`
	}{catalogContext, out}, versions...)
}

// one handles GET /api/v1/enforcement-datasets/{name}.
func (h enforcementDatasets) one(c *gin.Context) error {
	if err := httpx.QueryParams(c).Err(); err != nil {
		return err
	}
	ds, err := enforcementDatasetParam(c)
	if err != nil {
		return err
	}
	st, err := h.store.EnforcementDatasetState(c.Request.Context(), ds.Name)
	if err != nil {
		return err
	}
	return writeLinkedData(c, struct {
		Context map[string]any `json:"@context"`
		catalogDataset
	}{catalogContext, describeEnforcementDataset(ds, st)}, st.Version)
}

// download handles GET /api/v1/enforcement-datasets/{name}/download.
func (h enforcementDatasets) download(c *gin.Context) error {
	ds, err := enforcementDatasetParam(c)
	if err != nil {
		return err
	}
	return h.stream(c, ds, h.store.EnforcementDatasetState, h.store.ExportEnforcementDataset)
}
