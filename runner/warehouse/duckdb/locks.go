//go:build cgo

package duckdb

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// relationLocks serializes a Warehouse's transactions that write the same
// relations. DuckDB does not make a writer wait: of two open transactions
// that write the same catalog entry, the second fails with a write-write
// conflict, and so does one that writes an entry another transaction
// changed after it began. Two table builds whose relations share a
// dependent view would both recreate it; holding the locks of every
// relation a transaction writes, from before it begins until it ends, makes
// the second one start after the first has committed.
//
// A transaction takes all its locks at once, before it begins, and holds
// nothing while it waits, so no two transactions can wait for each other.
type relationLocks struct {
	mu      sync.Mutex
	held    map[lockKey]bool
	changed chan struct{} // closed, and replaced, whenever locks are released
}

// lockKey is a relation as DuckDB matches names: without regard to case.
type lockKey struct{ schema, name string }

func keyOf(r warehouse.Relation) lockKey {
	return lockKey{strings.ToLower(r.Schema), strings.ToLower(r.Name)}
}

func newRelationLocks() *relationLocks {
	return &relationLocks{held: map[lockKey]bool{}, changed: make(chan struct{})}
}

// acquire waits until none of rels is locked, locks them all, and returns
// the function that releases them. It gives up when ctx is done.
func (l *relationLocks) acquire(ctx context.Context, rels []warehouse.Relation) (release func(), err error) {
	keys := make([]lockKey, 0, len(rels))
	for _, r := range rels {
		if k := keyOf(r); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	for {
		l.mu.Lock()
		free := true
		for _, k := range keys {
			if l.held[k] {
				free = false
				break
			}
		}
		if free {
			for _, k := range keys {
				l.held[k] = true
			}
			l.mu.Unlock()
			return func() { l.release(keys) }, nil
		}
		wait := l.changed
		l.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (l *relationLocks) release(keys []lockKey) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.held, k)
	}
	close(l.changed)
	l.changed = make(chan struct{})
}
