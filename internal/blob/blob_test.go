package blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/blob"
	"github.com/gongshi/gongshi/internal/testenv"
)

// contract checks what every Storage promises; each implementation runs
// it against a fresh, empty store.
func contract(t *testing.T, s blob.Storage) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	data := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	put := func(key string, b []byte) error { return s.Put(ctx, key, bytes.NewReader(b), int64(len(b))) }

	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	t.Run("put, stat, open", func(t *testing.T) {
		if err := put("a/b/one.csv", data); err != nil {
			t.Fatal(err)
		}
		info, err := s.Stat(ctx, "a/b/one.csv")
		if err != nil || info.Size != int64(len(data)) || info.Key != "a/b/one.csv" || info.Modified.IsZero() {
			t.Fatalf("stat: %+v %v", info, err)
		}
		o, err := s.Open(ctx, "a/b/one.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if o.Info().Size != int64(len(data)) {
			t.Errorf("open info: %+v", o.Info())
		}
		got, err := io.ReadAll(o)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, %v", len(got), err)
		}
	})
	t.Run("never replaces", func(t *testing.T) {
		if err := put("a/b/one.csv", []byte("other content")); !errors.Is(err, blob.ErrExists) {
			t.Fatalf("second put: %v, want ErrExists", err)
		}
		if info, _ := s.Stat(ctx, "a/b/one.csv"); info.Size != int64(len(data)) {
			t.Errorf("the object changed: %+v", info)
		}
	})
	t.Run("concurrent puts of one key: one wins", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = put("race/key", bytes.Repeat([]byte{byte('a' + i)}, 1<<16))
			}()
		}
		wg.Wait()
		won := -1
		for i, err := range errs {
			switch {
			case err == nil && won >= 0:
				t.Errorf("puts %d and %d both succeeded", won, i)
			case err == nil:
				won = i
			case !errors.Is(err, blob.ErrExists):
				t.Errorf("put %d: %v", i, err)
			}
		}
		if won < 0 {
			t.Fatal("no put succeeded")
		}
		o, err := s.Open(ctx, "race/key")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(o)
		o.Close()
		if !bytes.Equal(got, bytes.Repeat([]byte{byte('a' + won)}, 1<<16)) {
			t.Error("the stored object is not the winner's")
		}
	})
	t.Run("a reader of the wrong length stores nothing", func(t *testing.T) {
		if err := s.Put(ctx, "short", bytes.NewReader(data[:100]), 200); err == nil {
			t.Error("a short reader was accepted")
		}
		if err := s.Put(ctx, "long", bytes.NewReader(data[:300]), 200); err == nil {
			t.Error("a long reader was accepted")
		}
		for _, k := range []string{"short", "long"} {
			if _, err := s.Stat(ctx, k); !errors.Is(err, blob.ErrNotExist) {
				t.Errorf("%s: %v, want ErrNotExist", k, err)
			}
		}
	})
	t.Run("failing reader stores nothing", func(t *testing.T) {
		r := io.MultiReader(bytes.NewReader(data[:1000]), errReader{})
		if err := s.Put(ctx, "broken", r, int64(len(data))); err == nil {
			t.Error("a failing reader was accepted")
		}
		if _, err := s.Stat(ctx, "broken"); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("broken: %v, want ErrNotExist", err)
		}
	})
	t.Run("absent keys", func(t *testing.T) {
		if _, err := s.Open(ctx, "no/such"); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("open: %v", err)
		}
		if _, err := s.Stat(ctx, "no/such"); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("stat: %v", err)
		}
		if err := s.Delete(ctx, "no/such"); err != nil {
			t.Errorf("delete: %v", err)
		}
	})
	t.Run("bad keys", func(t *testing.T) {
		for _, k := range []string{"", "../x", "a/../b", "A", "a//b", ".hidden", "a/.b", "/abs", "a b"} {
			if err := put(k, data[:1]); err == nil {
				t.Errorf("key %q accepted", k)
			}
			if _, err := s.Open(ctx, k); err == nil || errors.Is(err, blob.ErrNotExist) {
				t.Errorf("open %q: %v, want a key error", k, err)
			}
		}
	})
	t.Run("seek and ranges through http.ServeContent", func(t *testing.T) {
		o, err := s.Open(ctx, "a/b/one.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		if _, err := o.Seek(1000, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		part := make([]byte, 500)
		if _, err := io.ReadFull(o, part); err != nil || !bytes.Equal(part, data[1000:1500]) {
			t.Fatalf("read after seek: %v", err)
		}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			o, err := s.Open(r.Context(), "a/b/one.csv")
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			defer o.Close()
			http.ServeContent(w, r, "one.csv", o.Info().Modified, o)
		}))
		defer srv.Close()
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Range", "bytes=60000-60099")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, data[60000:60100]) {
			t.Fatalf("range: %d, %d bytes", resp.StatusCode, len(body))
		}
		if cr := resp.Header.Get("Content-Range"); cr != fmt.Sprintf("bytes 60000-60099/%d", len(data)) {
			t.Errorf("Content-Range %q", cr)
		}
	})
	t.Run("list and delete", func(t *testing.T) {
		for _, k := range []string{"ns1/d/2/x", "ns1/d/1/y", "ns1-other/z", "ns2/w"} {
			if err := put(k, []byte(k)); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.List(ctx, "ns1/")
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, i := range list {
			keys = append(keys, i.Key)
			if i.Size != int64(len(i.Key)) || i.Modified.IsZero() {
				t.Errorf("listed %+v", i)
			}
		}
		if strings.Join(keys, " ") != "ns1/d/1/y ns1/d/2/x" {
			t.Errorf("list ns1/: %v", keys)
		}
		if all, _ := s.List(ctx, ""); len(all) < 6 {
			t.Errorf("list all: %d objects", len(all))
		}
		if err := s.Delete(ctx, "ns1/d/2/x"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, "ns1/d/2/x"); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("after delete: %v", err)
		}
		if list, _ := s.List(ctx, "ns1/"); len(list) != 1 {
			t.Errorf("after delete, list: %+v", list)
		}
		if err := put("ns1/d/2/x", []byte("again")); err != nil {
			t.Errorf("put after delete: %v", err)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestDirContract(t *testing.T) { contract(t, blob.NewDir(filepath.Join(t.TempDir(), "store"))) }

func TestS3Contract(t *testing.T) {
	srv := testenv.StartS3(t)
	s, err := blob.NewS3(srv.Config("some/prefix"))
	if err != nil {
		t.Fatal(err)
	}
	contract(t, s)
	// Objects live under the prefix, and a wrong secret is refused.
	if _, err := os.Stat(filepath.Join(srv.Dir(), srv.Bucket, "some", "prefix", "a", "b", "one.csv")); err != nil {
		t.Errorf("object not under the prefix: %v", err)
	}
	cfg := srv.Config("")
	cfg.SecretAccessKey = "wrong"
	bad, _ := blob.NewS3(cfg)
	if err := bad.Put(context.Background(), "x", strings.NewReader("x"), 1); err == nil {
		t.Error("a wrong secret was accepted")
	}
}

// TestDirLeavesNoPartialFiles: failed puts clean up after themselves.
func TestDirLeavesNoPartialFiles(t *testing.T) {
	root := t.TempDir()
	d := blob.NewDir(root)
	ctx := context.Background()
	d.Put(ctx, "k", io.MultiReader(strings.NewReader("abc"), errReader{}), 10)
	d.Put(ctx, "k2", strings.NewReader("abc"), 10)
	if left, _ := filepath.Glob(filepath.Join(root, ".partial", "*")); len(left) != 0 {
		t.Errorf("partial files left: %v", left)
	}
	if list, _ := d.List(ctx, ""); len(list) != 0 {
		t.Errorf("listed %+v", list)
	}
}
