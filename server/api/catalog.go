package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// The catalog is DCAT in JSON-LD: the context maps the short keys used
// here to DCAT and Dublin Core terms, so the same document reads as plain
// JSON and as linked data. URLs are root-relative: they resolve against
// the catalog's own URL, and a response cache keyed by URL cannot be fed a
// forged Host.
var catalogContext = map[string]any{
	"dcat":          "http://www.w3.org/ns/dcat#",
	"dct":           "http://purl.org/dc/terms/",
	"foaf":          "http://xmlns.com/foaf/0.1/",
	"schema":        "https://schema.org/",
	"xsd":           "http://www.w3.org/2001/XMLSchema#",
	"Catalog":       "dcat:Catalog",
	"Dataset":       "dcat:Dataset",
	"Distribution":  "dcat:Distribution",
	"Organization":  "foaf:Organization",
	"title":         map[string]any{"@id": "dct:title", "@container": "@language"},
	"description":   map[string]any{"@id": "dct:description", "@container": "@language"},
	"name":          "foaf:name",
	"identifier":    "dct:identifier",
	"publisher":     "dct:publisher",
	"license":       map[string]any{"@id": "dct:license", "@type": "@id"},
	"language":      "dct:language",
	"modified":      map[string]any{"@id": "dct:modified", "@type": "xsd:dateTime"},
	"keyword":       "dcat:keyword",
	"theme":         "dcat:theme",
	"dataset":       map[string]any{"@id": "dcat:dataset", "@container": "@set"},
	"distribution":  map[string]any{"@id": "dcat:distribution", "@container": "@set"},
	"downloadURL":   map[string]any{"@id": "dcat:downloadURL", "@type": "@id"},
	"accessURL":     map[string]any{"@id": "dcat:accessURL", "@type": "@id"},
	"mediaType":     "dcat:mediaType",
	"format":        "dct:format",
	"conformsTo":    map[string]any{"@id": "dct:conformsTo", "@type": "@id"},
	"snapshots":     map[string]any{"@id": "dct:hasVersion", "@type": "@id"},
	"schemaVersion": "schema:version",
	// The data dictionary is carried as a JSON literal.
	"fields": map[string]any{"@id": "schema:variableMeasured", "@type": "@json"},
}

// catalogPublisher is the publisher of the catalog and every dataset.
var catalogPublisher = map[string]any{"@type": "Organization", "name": dataset.Publisher}

type catalogDistribution struct {
	Type        string       `json:"@type"`
	Title       dataset.Text `json:"title"`
	Format      string       `json:"format"`
	MediaType   string       `json:"mediaType"`
	DownloadURL string       `json:"downloadURL"`
	AccessURL   string       `json:"accessURL"`
}

type catalogDataset struct {
	ID            string                `json:"@id"`
	Type          string                `json:"@type"`
	Identifier    string                `json:"identifier"`
	Title         dataset.Text          `json:"title"`
	Description   dataset.Text          `json:"description"`
	Keyword       []string              `json:"keyword"`
	Publisher     map[string]any        `json:"publisher"`
	License       string                `json:"license"`
	Language      []string              `json:"language"`
	Modified      *time.Time            `json:"modified,omitempty"`
	SchemaVersion string                `json:"schemaVersion"`
	Distribution  []catalogDistribution `json:"distribution"`
	Snapshots     string                `json:"snapshots,omitempty"`
	Fields        []domain.Field        `json:"fields"`
}

type catalogDocument struct {
	Context     map[string]any   `json:"@context"`
	ID          string           `json:"@id"`
	Type        string           `json:"@type"`
	Title       dataset.Text     `json:"title"`
	Description dataset.Text     `json:"description"`
	Publisher   map[string]any   `json:"publisher"`
	License     string           `json:"license"`
	Modified    *time.Time       `json:"modified,omitempty"`
	Dataset     []catalogDataset `json:"dataset"`
}

func describeDataset(ds dataset.Dataset, st store.DatasetState) catalogDataset {
	base := "/api/v1/datasets/" + ds.Name
	out := catalogDataset{
		ID: base, Type: "Dataset", Identifier: ds.Name, Title: ds.Title, Description: ds.Description,
		Keyword: ds.Keywords, Publisher: catalogPublisher, License: dataset.License, Language: []string{"zh-CN"},
		SchemaVersion: ds.SchemaVersion(), Snapshots: base + "/snapshots", Fields: ds.Fields,
	}
	if !st.Modified.IsZero() {
		m := st.Modified.In(domain.China)
		out.Modified = &m
	}
	for _, f := range export.Formats {
		url := base + "/download?format=" + string(f)
		out.Distribution = append(out.Distribution, catalogDistribution{
			Type: "Distribution", Title: dataset.Text{"zh-CN": ds.Title["zh-CN"] + "（" + string(f) + "）", "en": ds.Title["en"] + " (" + string(f) + ")"},
			Format: string(f), MediaType: f.MediaType(), DownloadURL: url, AccessURL: url,
		})
	}
	return out
}

// catalog handles GET /api/v1/datasets.
func (h *datasetHandlers) catalog(c *gin.Context) error {
	if err := httpx.QueryParams(c).Err(); err != nil {
		return err
	}
	doc := catalogDocument{
		Context: catalogContext, ID: "/api/v1/datasets", Type: "Catalog",
		Title: dataset.CatalogTitle, Description: dataset.CatalogDescription,
		Publisher: catalogPublisher, License: dataset.License,
	}
	var versions []string
	for _, ds := range dataset.All {
		st, err := h.store.DatasetState(c.Request.Context(), ds.Name)
		if err != nil {
			return err
		}
		versions = append(versions, st.Version)
		d := describeDataset(ds, st)
		if d.Modified != nil && (doc.Modified == nil || d.Modified.After(*doc.Modified)) {
			doc.Modified = d.Modified
		}
		doc.Dataset = append(doc.Dataset, d)
	}
	return writeLinkedData(c, doc, versions...)
}

// dataset handles GET /api/v1/datasets/{name}: one dataset's metadata with
// its data dictionary.
func (h *datasetHandlers) dataset(c *gin.Context) error {
	if err := httpx.QueryParams(c).Err(); err != nil {
		return err
	}
	ds, err := datasetParam(c)
	if err != nil {
		return err
	}
	st, err := h.store.DatasetState(c.Request.Context(), ds.Name)
	if err != nil {
		return err
	}
	d := describeDataset(ds, st)
	return writeLinkedData(c, struct {
		Context map[string]any `json:"@context"`
		catalogDataset
	}{catalogContext, d}, st.Version)
}

// writeLinkedData writes a JSON-LD document whose content is determined
// by versions, answering revalidations with 304.
func writeLinkedData(c *gin.Context, doc any, versions ...string) error {
	tag := httpx.ETag(append([]string{"catalog/1", c.Request.URL.Path}, versions...)...)
	c.Header("Cache-Control", cacheLive)
	c.Header("ETag", tag)
	if httpx.NotModified(c.Request, tag, time.Time{}) {
		c.Status(http.StatusNotModified)
		return nil
	}
	c.Header("Content-Type", "application/ld+json; charset=utf-8")
	c.JSON(http.StatusOK, doc)
	return nil
}

type snapshotFileInfo struct {
	store.SnapshotFile
	MediaType string `json:"media_type"`
	URL       string `json:"url"`
}

type snapshotManifest struct {
	Dataset       string             `json:"dataset"`
	Date          string             `json:"date"`
	SchemaVersion string             `json:"schema_version"`
	Rows          int64              `json:"rows"`
	ChangeSeq     int64              `json:"change_seq"`
	TakenAt       time.Time          `json:"taken_at"`
	Headers       export.Headers     `json:"headers"`
	Dictionary    string             `json:"dictionary"`
	URL           string             `json:"url"`
	Files         []snapshotFileInfo `json:"files"`
}

type snapshotList struct {
	Dataset   string             `json:"dataset"`
	Snapshots []snapshotManifest `json:"snapshots"`
}

func manifestOf(s store.Snapshot) snapshotManifest {
	day := s.Day.Format(time.DateOnly)
	base := "/api/v1/datasets/" + s.Dataset
	m := snapshotManifest{
		Dataset: s.Dataset, Date: day, SchemaVersion: s.SchemaVersion, Rows: s.Rows, ChangeSeq: s.ChangeSeq,
		TakenAt: s.TakenAt.In(domain.China), Headers: export.HeadersStandard, Dictionary: base,
		URL: base + "/snapshots/" + day, Files: []snapshotFileInfo{},
	}
	for _, f := range s.Files {
		format, _ := export.ParseFormat(f.Format)
		m.Files = append(m.Files, snapshotFileInfo{SnapshotFile: f, MediaType: format.MediaType(), URL: m.URL + "/" + f.Format})
	}
	return m
}
