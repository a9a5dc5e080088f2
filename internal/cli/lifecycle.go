package cli

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// lifecycle owns what a long-running command starts: background workers,
// which run until the command shuts down, and the clients they use. At
// shutdown the workers are stopped and waited for first, and only then
// are the clients closed, in the reverse order of their opening — a
// worker never finds its Redis or its pool closed under it.
type lifecycle struct {
	cancel  context.CancelFunc
	workers sync.WaitGroup
	closers []namedCloser // in opening order
}

type namedCloser struct {
	name  string
	close func() error
}

// startLifecycle returns a lifecycle and the context of its workers,
// which ends at shutdown or when parent ends.
func startLifecycle(parent context.Context) (*lifecycle, context.Context) {
	ctx, cancel := context.WithCancel(parent)
	return &lifecycle{cancel: cancel}, ctx
}

// goWorker runs work in the background; it must return once the
// workers' context ends.
func (l *lifecycle) goWorker(work func()) {
	l.workers.Add(1)
	go func() {
		defer l.workers.Done()
		work()
	}()
}

// onShutdown has close called at shutdown, after every worker returned.
func (l *lifecycle) onShutdown(name string, close func() error) {
	l.closers = append(l.closers, namedCloser{name, close})
}

// shutdown stops the workers, waits for them, and then closes what was
// registered, last opened first.
func (l *lifecycle) shutdown() error {
	l.cancel()
	l.workers.Wait()
	var errs []error
	for i := len(l.closers) - 1; i >= 0; i-- {
		if err := l.closers[i].close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", l.closers[i].name, err))
		}
	}
	l.closers = nil
	return errors.Join(errs...)
}
