package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestChangeLogReaderNeverSkips runs concurrent writers while a reader
// pages the change log by seq, as the indexer and the feed do, and checks
// the reader saw every entry exactly once.
func TestChangeLogReaderNeverSkips(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	const writers, perWriter = 8, 25

	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				p := testenv.Penalty(w*1000 + i)
				// Make transactions overlap: some writes carry several records.
				batch := []domain.Penalty{p}
				if i%5 == 0 {
					q := testenv.Penalty(w*1000 + 500 + i)
					batch = append(batch, q)
				}
				if _, err := s.UpsertPenalties(ctx, store.Actor{Name: fmt.Sprint("w", w)}, batch, store.WriteOptions{}); err != nil {
					errc <- err
					return
				}
			}
		}(w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[int64]int{}
	var cursor int64
	read := func() {
		rows, err := s.Pool().Query(ctx, `SELECT seq FROM changes WHERE seq > $1 ORDER BY seq LIMIT 7`, cursor)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var seq int64
			if err := rows.Scan(&seq); err != nil {
				t.Fatal(err)
			}
			seen[seq]++
			cursor = seq
		}
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			read()
			time.Sleep(time.Millisecond)
		}
	}
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	for before := -1; before != len(seen); {
		before = len(seen)
		read()
	}
	total := count(t, s, `SELECT count(*) FROM changes`)
	want := writers * (perWriter + perWriter/5)
	if total != want {
		t.Fatalf("change log has %d entries, want %d", total, want)
	}
	if len(seen) != total {
		t.Errorf("reader saw %d distinct entries of %d", len(seen), total)
	}
	for seq, n := range seen {
		if n != 1 {
			t.Errorf("seq %d seen %d times", seq, n)
		}
	}
	if max := count(t, s, `SELECT max(seq) FROM changes`); max != total {
		t.Errorf("seq has gaps: max %d for %d entries", max, total)
	}
}
