package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/store"
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

// Publisher and licence of every dataset. The licence is a default the
// bureau has to confirm.
var (
	catalogPublisher = map[string]any{"@type": "Organization", "name": "苏州市应急管理局"}
	catalogLicense   = "https://creativecommons.org/licenses/by/4.0/"
)

type langText map[string]string

// datasetInfo is the human description of a dataset.
type datasetInfo struct {
	title, description langText
	keywords           []string
}

var datasetInfos = map[string]datasetInfo{
	store.DatasetPenalties: {
		title: langText{"zh-CN": "行政处罚信息（双公示）", "en": "Administrative penalties (double publicity)"},
		description: langText{
			"zh-CN": "苏州市应急管理局及各区（市）应急管理部门作出的行政处罚决定，按“双公示”标准字段公示，仅含公示期内的记录；自然人证件号码已脱敏，金额单位为万元。",
			"en":    "Administrative penalty decisions of the Suzhou emergency management authorities, in the 双公示 standard's fields, limited to records within their publicity period; natural persons' ID numbers are masked; amounts in 万元 (10,000 yuan).",
		},
		keywords: []string{"行政处罚", "双公示", "应急管理", "安全生产", "苏州"},
	},
	store.DatasetPermits: {
		title: langText{"zh-CN": "行政许可信息（双公示）", "en": "Administrative permits (double publicity)"},
		description: langText{
			"zh-CN": "苏州市应急管理局及各区（市）应急管理部门作出的行政许可决定，按“双公示”标准字段公示；自然人证件号码已脱敏。",
			"en":    "Administrative permit decisions of the Suzhou emergency management authorities, in the 双公示 standard's fields; natural persons' ID numbers are masked.",
		},
		keywords: []string{"行政许可", "双公示", "应急管理", "苏州"},
	},
	store.DatasetPowers: {
		title: langText{"zh-CN": "权力清单（现行版本）", "en": "Power list (current version)"},
		description: langText{
			"zh-CN": "现行权力清单的全部事项及其运行指南；各环节责任事项与流程图见清单接口。",
			"en":    "Every item of the current power list with its operation guide; per-stage duties and flowcharts are served by the lists API.",
		},
		keywords: []string{"权力清单", "运行指南", "应急管理", "苏州"},
	},
}

type catalogDistribution struct {
	Type        string   `json:"@type"`
	Title       langText `json:"title"`
	Format      string   `json:"format"`
	MediaType   string   `json:"mediaType"`
	DownloadURL string   `json:"downloadURL"`
	AccessURL   string   `json:"accessURL"`
}

type catalogDataset struct {
	ID            string                `json:"@id"`
	Type          string                `json:"@type"`
	Identifier    string                `json:"identifier"`
	Title         langText              `json:"title"`
	Description   langText              `json:"description"`
	Keyword       []string              `json:"keyword"`
	Publisher     map[string]any        `json:"publisher"`
	License       string                `json:"license"`
	Language      []string              `json:"language"`
	Modified      *time.Time            `json:"modified,omitempty"`
	SchemaVersion string                `json:"schemaVersion"`
	Distribution  []catalogDistribution `json:"distribution"`
	Snapshots     string                `json:"snapshots"`
	Fields        []domain.Field        `json:"fields"`
}

type catalogDocument struct {
	Context     map[string]any   `json:"@context"`
	ID          string           `json:"@id"`
	Type        string           `json:"@type"`
	Title       langText         `json:"title"`
	Description langText         `json:"description"`
	Publisher   map[string]any   `json:"publisher"`
	License     string           `json:"license"`
	Modified    *time.Time       `json:"modified,omitempty"`
	Dataset     []catalogDataset `json:"dataset"`
}

func describeDataset(ds store.Dataset, st store.DatasetState) catalogDataset {
	info := datasetInfos[ds.Name]
	base := "/api/v1/datasets/" + ds.Name
	out := catalogDataset{
		ID: base, Type: "Dataset", Identifier: ds.Name, Title: info.title, Description: info.description,
		Keyword: info.keywords, Publisher: catalogPublisher, License: catalogLicense, Language: []string{"zh-CN"},
		SchemaVersion: ds.SchemaVersion(), Snapshots: base + "/snapshots", Fields: ds.Fields,
	}
	if !st.Modified.IsZero() {
		m := st.Modified.In(domain.China)
		out.Modified = &m
	}
	for _, f := range export.Formats {
		url := base + "/download?format=" + string(f)
		out.Distribution = append(out.Distribution, catalogDistribution{
			Type: "Distribution", Title: langText{"zh-CN": info.title["zh-CN"] + "（" + string(f) + "）", "en": info.title["en"] + " (" + string(f) + ")"},
			Format: string(f), MediaType: f.MediaType(), DownloadURL: url, AccessURL: url,
		})
	}
	return out
}

// catalog handles GET /api/v1/datasets.
func (h *datasetHandlers) catalog(c *gin.Context) error {
	doc := catalogDocument{
		Context: catalogContext, ID: "/api/v1/datasets", Type: "Catalog",
		Title: langText{"zh-CN": "苏州市应急管理局 行政执法公示开放数据", "en": "Suzhou Emergency Management Bureau: open enforcement data"},
		Description: langText{
			"zh-CN": "行政处罚、行政许可“双公示”信息与权力清单的开放数据，每日快照可供核验。",
			"en":    "Open data of the bureau's administrative penalties and permits (双公示) and its power list, with verifiable daily snapshots.",
		},
		Publisher: catalogPublisher, License: catalogLicense,
	}
	var versions []string
	for _, ds := range store.Datasets {
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
	tag := etag(append([]string{"catalog/1", c.Request.URL.Path}, versions...)...)
	c.Header("Cache-Control", cacheLive)
	c.Header("ETag", tag)
	if notModified(c.Request, tag, time.Time{}) {
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
