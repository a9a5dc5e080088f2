package web

import (
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// The open-data pages: the catalog (/data) and a page per dataset
// (/data/{name}) with its description, data dictionary, formats,
// snapshots with checksums, sample rows and API examples.

type datasetSummary struct {
	Name        string
	Title       string
	Description string
	Modified    time.Time
	Fields      int
	Formats     []export.Format
	People      []formatLink // downloads for spreadsheets: Chinese headers, BOM on CSV
}

type datasetsPage struct {
	pageData
	Datasets []datasetSummary
}

// localized picks a language's text of a catalog entry.
func localized(l i18n.Lang, t dataset.Text) string {
	if l == i18n.English && t["en"] != "" {
		return t["en"]
	}
	return t["zh-CN"]
}

func (h *Handlers) summary(c *gin.Context, ds dataset.Dataset) (datasetSummary, error) {
	l := langOf(c)
	s := datasetSummary{Name: ds.Name, Title: localized(l, ds.Title), Description: localized(l, ds.Description),
		Fields: len(ds.Fields), Formats: export.Formats}
	for _, f := range peopleFormats {
		s.People = append(s.People, formatLink{Format: f, URL: downloadURL(ds.Name, f, export.HeadersZH), ContentType: f.MediaType()})
	}
	st, err := h.datasets.DatasetState(c.Request.Context(), ds.Name)
	if err != nil {
		return s, err
	}
	s.Modified = st.Modified
	return s, nil
}

func (h *Handlers) datasetsPage(c *gin.Context) error {
	pr := printer(c)
	d := &datasetsPage{pageData: h.page(c, pr.T("data.title"), "data")}
	for _, ds := range dataset.All {
		s, err := h.summary(c, ds)
		if err != nil {
			return err
		}
		d.Datasets = append(d.Datasets, s)
	}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("data.title"), ""}}
	d.JSONLD = map[string]any{"@context": "https://schema.org", "@type": "DataCatalog", "name": pr.T("data.title"),
		"url": "/data", "sameAs": "/api/v1/datasets",
		"publisher": bureauLD()}
	return h.render(c, "datasets", d)
}

type dictRow struct {
	domain.Field
	LabelText string
}

type formatLink struct {
	Format      export.Format
	URL         string
	ContentType string
}

// downloadURL is the live download of a dataset in a format and with
// the column names of headers; a CSV for spreadsheets starts with a
// byte-order mark, without which Chinese-locale Excel misreads UTF-8.
func downloadURL(name string, f export.Format, headers export.Headers) string {
	u := "/api/v1/datasets/" + name + "/download?format=" + string(f)
	if headers != export.HeadersStandard {
		u += "&headers=" + string(headers)
		if f == export.CSV {
			u += "&bom=1"
		}
	}
	return u
}

// peopleFormats are the downloads offered first, for people opening
// them in a spreadsheet: Chinese column labels, and a byte-order mark
// on the CSV. The standard-code variants of every format follow, for
// programs.
var peopleFormats = []export.Format{export.XLSX, export.CSV}

type datasetPage struct {
	pageData
	D         datasetSummary
	Dict      []dictRow
	People    []formatLink // Chinese headers (BOM on CSV): for spreadsheets
	Downloads []formatLink // standard codes: for programs
	Snapshots []store.Snapshot
	Columns   []string
	Sample    [][]string
	Schema    string
	Origin    string
}

// sampleRowCount is how many rows a dataset page shows.
const sampleRowCount = 5

func (h *Handlers) datasetPage(c *gin.Context) error {
	pr := printer(c)
	ds, ok := dataset.ByName(c.Param("name"))
	if !ok {
		return httpx.NotFound(pr.T("data.no_dataset"))
	}
	s, err := h.summary(c, ds)
	if err != nil {
		return err
	}
	d := &datasetPage{pageData: h.page(c, s.Title, "data"), D: s, Schema: ds.SchemaVersion(), Origin: h.absolute("")}
	for _, f := range ds.Fields {
		label := f.Label
		if pr.Lang() == i18n.English && i18n.Has("field."+f.Code) {
			label = pr.Field(f.Code)
		}
		d.Dict = append(d.Dict, dictRow{Field: f, LabelText: label})
		d.Columns = append(d.Columns, label)
	}
	d.People = s.People
	for _, f := range export.Formats {
		d.Downloads = append(d.Downloads, formatLink{Format: f, URL: downloadURL(ds.Name, f, export.HeadersStandard),
			ContentType: f.MediaType()})
	}
	if d.Snapshots, err = h.datasets.Snapshots(c.Request.Context(), ds.Name); err != nil {
		return err
	}
	if len(d.Snapshots) > 10 {
		d.Snapshots = d.Snapshots[:10]
	}
	if d.Sample, err = h.pages.SampleRows(c.Request.Context(), ds.Name, sampleRowCount); err != nil {
		return err
	}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("data.title"), "/data"}, {s.Title, ""}}
	ld := map[string]any{"@context": "https://schema.org", "@type": "Dataset", "name": s.Title, "description": s.Description,
		"url": "/data/" + ds.Name, "identifier": ds.Name, "license": dataset.License, "inLanguage": "zh-CN",
		"creator": bureauLD()}
	var dist []map[string]any
	for _, dl := range append(slices.Clone(d.People), d.Downloads...) {
		dist = append(dist, map[string]any{"@type": "DataDownload", "encodingFormat": dl.ContentType, "contentUrl": dl.URL})
	}
	ld["distribution"] = dist
	if !s.Modified.IsZero() {
		ld["dateModified"] = domain.FormatInstant(s.Modified)
	}
	d.JSONLD = ld
	return h.render(c, "dataset", d)
}
