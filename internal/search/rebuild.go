package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	meili "github.com/meilisearch/meilisearch-go"
)

// rebuildSuffix names the fresh copy of an index a rebuild fills.
const rebuildSuffix = "_new"

// Rebuild fills fresh copies of every index and then swaps them in with
// one atomic swap-indexes task, so searches see the old indexes, complete,
// until the new ones are complete.
//
// Documents are encoded as NDJSON as they are added and sent by a
// goroutine of their own, without waiting for Meilisearch to index them:
// reading the next documents overlaps sending these, and Meilisearch,
// which indexes the uploads queued for an index in one batch, gets large
// batches. Every task is checked when the fill is finished.
type Rebuild struct {
	w       *Writer
	perPost int                // documents per upload
	filling map[string]*upload // per index, the upload being filled
	sent    map[string]int64

	queue   chan *upload // to the sender
	closed  sync.Once    // closes queue
	stopped chan struct{}
	cancel  context.CancelFunc
	// Set by the sender; read once stopped is closed.
	tasks   []*meili.TaskInfo
	sendErr error

	// Timeout bounds the wait for the fill to be indexed.
	Timeout time.Duration
}

// upload is an NDJSON body of n documents for the copy of an index.
type upload struct {
	index string
	body  bytes.Buffer
	enc   *json.Encoder // onto body
	n     int
}

// BeginRebuild creates empty copies of the indexes with their settings,
// dropping copies an interrupted rebuild left behind; documents are then
// sent perPost at a time. The settings are in force before any document
// arrives, so documents are indexed once, with them.
func (w *Writer) BeginRebuild(ctx context.Context, perPost int) (*Rebuild, error) {
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
	sctx, cancel := context.WithCancel(ctx)
	r := &Rebuild{w: w, perPost: max(perPost, 1), filling: map[string]*upload{}, sent: map[string]int64{},
		queue: make(chan *upload, 1), stopped: make(chan struct{}), cancel: cancel, Timeout: 6 * time.Hour}
	go r.send(sctx)
	return r, nil
}

// Add adds a document (a *Doc value) to the copy of index. Every perPost
// documents of an index are handed to the sender; Add waits only while
// the sender is still busy with an earlier upload. Add, Flush and Finish
// are called from one goroutine.
func (r *Rebuild) Add(ctx context.Context, index string, doc any) error {
	u := r.filling[index]
	if u == nil {
		u = &upload{index: index}
		u.enc = json.NewEncoder(&u.body)
		u.enc.SetEscapeHTML(false) // Meilisearch stores the text, not its escapes
		r.filling[index] = u
	}
	if err := u.enc.Encode(doc); err != nil {
		return fmt.Errorf("encode a document of %s: %w", index, err)
	}
	if u.n++; u.n < r.perPost {
		return nil
	}
	delete(r.filling, index)
	return r.post(ctx, u)
}

// Flush hands the documents added so far to the sender, so Meilisearch
// indexes them before documents added later.
func (r *Rebuild) Flush(ctx context.Context) error {
	for _, uid := range Indexes {
		if u := r.filling[uid]; u != nil {
			delete(r.filling, uid)
			if err := r.post(ctx, u); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Rebuild) post(ctx context.Context, u *upload) error {
	select {
	case r.queue <- u:
		r.sent[u.index] += int64(u.n)
		return nil
	case <-r.stopped:
		return r.sendErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// send posts the uploads in order until the queue is closed or a post
// fails.
func (r *Rebuild) send(ctx context.Context) {
	defer close(r.stopped)
	for u := range r.queue {
		t, err := r.w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) {
			return r.w.ms.Index(u.index+rebuildSuffix).AddDocumentsNdjson(ctx, u.body.Bytes(), nil)
		})
		if err != nil {
			r.sendErr = fmt.Errorf("add %d documents to %s%s: %w", u.n, u.index, rebuildSuffix, err)
			return
		}
		r.tasks = append(r.tasks, t)
	}
}

// stopSending ends the sender after the uploads queued so far and waits
// for it.
func (r *Rebuild) stopSending() error {
	r.closed.Do(func() { close(r.queue) })
	<-r.stopped
	return r.sendErr
}

// Finish waits until every document is indexed, checks each copy holds as
// many documents as were sent, swaps the copies in atomically and drops
// the old indexes.
func (r *Rebuild) Finish(ctx context.Context) error {
	defer r.cancel()
	w := r.w
	if err := r.Flush(ctx); err != nil {
		return err
	}
	if err := r.stopSending(); err != nil {
		return err
	}
	// Indexing takes minutes: polling more often than this would only
	// keep Meilisearch answering.
	if err := w.waitEvery(ctx, r.Timeout, max(w.Poll, 250*time.Millisecond), r.tasks...); err != nil {
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

// Abort stops sending and drops the copies, best effort.
func (r *Rebuild) Abort(ctx context.Context) {
	r.cancel()
	_ = r.stopSending()
	for _, uid := range Indexes {
		_, _ = r.w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) {
			return r.w.ms.DeleteIndex(ctx, uid+rebuildSuffix)
		})
	}
}
