package snapshot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Ping reports, for /readyz, whether the snapshot storage answers and
// every current snapshot's files match their manifests; the error names
// the damaged files. Snapshots waiting to be re-issued are normal for a
// moment and are not an error here (they are in the metrics).
func (s *Service) Ping(ctx context.Context) error {
	if err := s.storage.Ping(ctx); err != nil {
		return fmt.Errorf("snapshot storage: %w", err)
	}
	h, err := s.st.SnapshotHealth(ctx, s.pub.Today())
	if err != nil {
		return err
	}
	if len(h.Damaged) > 0 {
		return fmt.Errorf("%d snapshot files damaged (not served): %s", len(h.Damaged), strings.Join(h.Damaged, "; "))
	}
	return nil
}

var (
	damagedDesc = prometheus.NewDesc("gongshi_snapshot_files_damaged",
		"Files of current snapshots found missing or different from their manifest (not served until rebuilt).", nil, nil)
	unservableDesc = prometheus.NewDesc("gongshi_snapshots_unservable",
		"Current snapshots not served now: waiting to be re-issued without withdrawn or expired records, or to have a damaged file rebuilt.", nil, nil)
	healthUpDesc = prometheus.NewDesc("gongshi_snapshot_health_up",
		"1 when the snapshot manifests could be read for the other gongshi_snapshot gauges.", nil, nil)
)

// Describe implements prometheus.Collector.
func (s *Service) Describe(ch chan<- *prometheus.Desc) {
	ch <- damagedDesc
	ch <- unservableDesc
	ch <- healthUpDesc
	s.reissued.Describe(ch)
	s.damaged.Describe(ch)
}

// Collect implements prometheus.Collector: the gauges are read from
// PostgreSQL, so every process reports the state of all.
func (s *Service) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	h, err := s.st.SnapshotHealth(ctx, s.pub.Today())
	up := 1.0
	if err != nil {
		up = 0
	} else {
		ch <- prometheus.MustNewConstMetric(damagedDesc, prometheus.GaugeValue, float64(len(h.Damaged)))
		ch <- prometheus.MustNewConstMetric(unservableDesc, prometheus.GaugeValue, float64(h.Unservable))
	}
	ch <- prometheus.MustNewConstMetric(healthUpDesc, prometheus.GaugeValue, up)
	s.reissued.Collect(ch)
	s.damaged.Collect(ch)
}
