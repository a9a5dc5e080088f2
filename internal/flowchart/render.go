package flowchart

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/gongshi/gongshi/internal/domain"
)

// CommandName is the name of the flowchart command (cmd/flowchart) that
// a Renderer looks for when Options.Command is empty.
const CommandName = "flowchart"

// ErrUnavailable is in the chain of every error of a drawing that could
// not be made because the flowchart command is missing, failed or took
// too long: the flow itself was valid, and a page can still show its
// steps as text.
var ErrUnavailable = errors.New("flowchart: the flowchart command cannot draw")

// Options configure a Renderer. The zero value is the default.
type Options struct {
	// Command is the flowchart command: a path, or a name looked up in
	// $PATH. "": the flowchart command in the directory of this
	// executable, else the one on $PATH.
	Command string
	// Timeout bounds one run of the command; 0: 30 s.
	Timeout time.Duration
	// Concurrency is how many runs of the command may go on at once;
	// 0: 2.
	Concurrency int
	// CacheBytes bounds the pictures kept (least recently used go
	// first); 0: 8 MiB.
	CacheBytes int
}

// Renderer draws flowcharts by running the flowchart command with the
// graph on its stdin, one process per picture, at most
// Options.Concurrency at once, each bounded by Options.Timeout. It keeps
// the pictures it drew by the hash of their title and flow (flows are few
// — hundreds of list items — and immutable per version), so a picture is
// drawn once per process while it stays in the cache, and requests for
// the same picture at the same time share one run. It is safe for
// concurrent use.
type Renderer struct {
	path    string // the command; "" when missing
	missing error  // why path is ""
	timeout time.Duration
	slots   chan struct{}
	cache   *lru
	runs    singleflight.Group
}

// NewRenderer returns a Renderer running the command o names. A missing
// command is not an error here: every drawing then fails with
// ErrUnavailable, and Command says why.
func NewRenderer(o Options) *Renderer {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 2
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = 8 << 20
	}
	r := &Renderer{timeout: o.Timeout, slots: make(chan struct{}, o.Concurrency), cache: newLRU(o.CacheBytes)}
	r.path, r.missing = Locate(o.Command)
	return r
}

// Locate returns the absolute path of the flowchart command: command
// when it is a path (with a slash) to an executable file, else the
// executable named command on $PATH; for "", CommandName in the directory
// of this executable, else on $PATH.
func Locate(command string) (string, error) {
	if command == "" {
		if exe, err := os.Executable(); err == nil {
			if p := filepath.Join(filepath.Dir(exe), CommandName); isExecutable(p) {
				return p, nil
			}
		}
		command = CommandName
	}
	p, err := exec.LookPath(command)
	if err != nil {
		if command == CommandName {
			return "", fmt.Errorf("flowchart: no %s command beside this executable or on $PATH (build it with `make build`, or set PORTAL_FLOWCHART_BIN): %w", CommandName, err)
		}
		return "", fmt.Errorf("flowchart: PORTAL_FLOWCHART_BIN %q: %w", command, err)
	}
	if p, err = filepath.Abs(p); err != nil {
		return "", fmt.Errorf("flowchart: %s: %w", command, err)
	}
	return p, nil
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Command returns the path of the command the Renderer runs, or the
// error (ErrUnavailable in its chain) saying why there is none.
func (r *Renderer) Command() (string, error) {
	if r.missing != nil {
		return "", fmt.Errorf("%w: %w", ErrUnavailable, r.missing)
	}
	return r.path, nil
}

// Render draws f as SVG titled DefaultTitle. See RenderTitled.
func (r *Renderer) Render(ctx context.Context, f domain.Flow) ([]byte, error) {
	return r.RenderTitled(ctx, DefaultTitle, f)
}

// RenderGeneric draws Generic(f) as RenderTitled does, labelled
// GenericLabel at the top of the picture and in its title and description.
func (r *Renderer) RenderGeneric(ctx context.Context, title string, f domain.Flow) ([]byte, error) {
	return r.draw(ctx, title+"（"+GenericLabel+"）", GenericLabel, Generic(f))
}

// RenderTitled draws f as a standalone SVG document (starting at <svg>, so
// it can also be inlined in HTML) whose <title> is title and whose <desc>
// describes every node and edge in words. A flow that fails
// domain.Flow.Validate is an error; a drawing the command could not make
// is an error with ErrUnavailable in its chain. ctx bounds the wait: a
// drawing under way goes on (within the Renderer's timeout) after its
// callers left, and is kept for the next.
func (r *Renderer) RenderTitled(ctx context.Context, title string, f domain.Flow) ([]byte, error) {
	return r.draw(ctx, title, "", f)
}

// draw renders f titled title, with banner (if any) written above it.
func (r *Renderer) draw(ctx context.Context, title, banner string, f domain.Flow) ([]byte, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("flowchart: invalid flow: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("flowchart: %w", err)
	}
	key := cacheKey(title+"\x00"+banner, f)
	if svg, ok := r.cache.get(key); ok {
		return svg, nil
	}
	if _, err := r.Command(); err != nil {
		return nil, err
	}
	ch := r.runs.DoChan(key, func() (any, error) {
		if svg, ok := r.cache.get(key); ok {
			return svg, nil
		}
		// The run outlives a caller that leaves: its picture is kept.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
		defer cancel()
		svg, err := r.render(rctx, title, banner, f, key[:8])
		if err != nil {
			return nil, err
		}
		r.cache.put(key, svg)
		return svg, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]byte), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("flowchart: %w", ctx.Err())
	}
}

func cacheKey(title string, f domain.Flow) string {
	b, err := json.Marshal(struct {
		Title string
		Flow  domain.Flow
	}{title, f})
	if err != nil {
		panic(err) // a Flow always marshals
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// render lays out f with the command and finishes its SVG.
func (r *Renderer) render(ctx context.Context, title, banner string, f domain.Flow, id string) ([]byte, error) {
	select {
	case r.slots <- struct{}{}:
		defer func() { <-r.slots }()
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for a free run: %w", ErrUnavailable, ctx.Err())
	}
	svg, err := r.run(ctx, toDOT(f, "fc"+id, banner))
	if err != nil {
		return nil, err
	}
	out, err := finish(svg, title, banner, f, "fc"+id)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnavailable, r.path, err)
	}
	return out, nil
}

// maxOutput bounds what the command may write: a flowchart's SVG is tens
// of kilobytes.
const maxOutput = 4 << 20

// run runs the command with dot on its stdin and returns its stdout.
func (r *Renderer) run(ctx context.Context, dot []byte) ([]byte, error) {
	cmd := exec.CommandContext(ctx, r.path)
	cmd.Stdin = bytes.NewReader(dot)
	stdout := &capped{max: maxOutput}
	stderr := &capped{max: 4 << 10}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Env = commandEnv()
	cmd.WaitDelay = 2 * time.Second // a child that keeps the pipes open does not hold the wait
	start := time.Now()
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w: %s: no drawing after %v: %w", ErrUnavailable, r.path, time.Since(start).Round(time.Millisecond), ctx.Err())
	case err != nil:
		return nil, fmt.Errorf("%w: %s: %w: %s", ErrUnavailable, r.path, err, strings.TrimSpace(stderr.String()))
	case stdout.over:
		return nil, fmt.Errorf("%w: %s wrote more than %d bytes", ErrUnavailable, r.path, maxOutput)
	}
	return stdout.Bytes(), nil
}

// commandEnv is the environment of the command: none of the portal's
// settings and secrets, only where to keep Graphviz's compiled module
// between runs (go-graphviz keeps it under os.TempDir) and the Go
// runtime's own settings.
func commandEnv() []string {
	env := []string{} // not nil: a nil Env would pass on the whole environment
	for _, k := range []string{"TMPDIR", "GOMAXPROCS", "GOMEMLIMIT", "GOGC", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// capped is a buffer that keeps at most max bytes and notes whether more
// were written.
type capped struct {
	bytes.Buffer
	max  int
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.Len(); len(p) > room {
		c.over = true
		c.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return c.Buffer.Write(p)
}
