package search

import (
	"context"
	"fmt"
	"time"

	meili "github.com/meilisearch/meilisearch-go"
)

// rebuildSuffix names the fresh copy of an index a rebuild fills.
const rebuildSuffix = "_new"

// Rebuild fills fresh copies of every index and then swaps them in with
// one atomic swap-indexes task, so searches see the old indexes, complete,
// until the new ones are complete.
type Rebuild struct {
	w     *Writer
	tasks []*meili.TaskInfo
	sent  map[string]int64
	// Timeout bounds the wait for the fill to be indexed.
	Timeout time.Duration
}

// BeginRebuild creates empty copies of the indexes with their settings,
// dropping copies an interrupted rebuild left behind.
func (w *Writer) BeginRebuild(ctx context.Context) (*Rebuild, error) {
	var drops []*meili.TaskInfo
	for _, uid := range Indexes {
		tmp := uid + rebuildSuffix
		ok, err := w.exists(ctx, tmp)
		if err != nil {
			return nil, err
		}
		if ok {
			t, err := w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) { return w.ms.DeleteIndex(ctx, tmp) })
			if err != nil {
				return nil, fmt.Errorf("drop %s: %w", tmp, err)
			}
			drops = append(drops, t)
		}
	}
	if err := w.wait(ctx, w.TaskTimeout, drops...); err != nil {
		return nil, err
	}
	var tasks []*meili.TaskInfo
	for _, uid := range Indexes {
		tmp := uid + rebuildSuffix
		t, err := w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) {
			return w.ms.CreateIndex(ctx, &meili.IndexConfig{Uid: tmp, PrimaryKey: "id"})
		})
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", tmp, err)
		}
		tasks = append(tasks, t)
		t, err = w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) {
			return w.ms.Index(tmp).UpdateSettings(ctx, Settings(uid))
		})
		if err != nil {
			return nil, fmt.Errorf("settings of %s: %w", tmp, err)
		}
		tasks = append(tasks, t)
	}
	if err := w.wait(ctx, w.TaskTimeout, tasks...); err != nil {
		return nil, err
	}
	return &Rebuild{w: w, sent: map[string]int64{}, Timeout: 6 * time.Hour}, nil
}

// Add enqueues documents (a slice of n *Doc values) for the copy of index.
// It does not wait: Meilisearch indexes while more documents arrive.
func (r *Rebuild) Add(ctx context.Context, index string, docs any, n int) error {
	if n == 0 {
		return nil
	}
	t, err := r.w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) {
		return r.w.ms.Index(index+rebuildSuffix).AddDocuments(ctx, docs, nil)
	})
	if err != nil {
		return fmt.Errorf("add to %s%s: %w", index, rebuildSuffix, err)
	}
	r.tasks = append(r.tasks, t)
	r.sent[index] += int64(n)
	return nil
}

// Finish waits until every document is indexed, checks each copy holds as
// many documents as were sent, swaps the copies in atomically and drops
// the old indexes.
func (r *Rebuild) Finish(ctx context.Context) error {
	w := r.w
	if err := w.wait(ctx, r.Timeout, r.tasks...); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	for _, uid := range Indexes {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		st, err := w.ms.Index(uid+rebuildSuffix).GetStats(sctx, nil)
		cancel()
		if err != nil {
			return fmt.Errorf("stats of %s%s: %w", uid, rebuildSuffix, err)
		}
		if st.NumberOfDocuments != r.sent[uid] {
			return fmt.Errorf("%s%s holds %d documents, %d were sent", uid, rebuildSuffix, st.NumberOfDocuments, r.sent[uid])
		}
	}
	var swaps []*meili.SwapIndexesParams
	var replaced []string
	for _, uid := range Indexes {
		ok, err := w.exists(ctx, uid)
		if err != nil {
			return err
		}
		if ok {
			swaps = append(swaps, &meili.SwapIndexesParams{Indexes: []string{uid, uid + rebuildSuffix}})
			replaced = append(replaced, uid+rebuildSuffix)
		} else {
			swaps = append(swaps, &meili.SwapIndexesParams{Indexes: []string{uid + rebuildSuffix, uid}, Rename: true})
		}
	}
	t, err := w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) { return w.ms.SwapIndexes(ctx, swaps) })
	if err != nil {
		return fmt.Errorf("swap indexes: %w", err)
	}
	if err := w.wait(ctx, w.TaskTimeout, t); err != nil {
		return fmt.Errorf("swap indexes: %w", err)
	}
	var drops []*meili.TaskInfo
	for _, uid := range replaced {
		t, err := w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) { return w.ms.DeleteIndex(ctx, uid) })
		if err != nil {
			return fmt.Errorf("drop old index (now %s): %w", uid, err)
		}
		drops = append(drops, t)
	}
	return w.wait(ctx, w.TaskTimeout, drops...)
}

// Abort drops the copies, best effort.
func (r *Rebuild) Abort(ctx context.Context) {
	for _, uid := range Indexes {
		_, _ = r.w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) {
			return r.w.ms.DeleteIndex(ctx, uid+rebuildSuffix)
		})
	}
}
