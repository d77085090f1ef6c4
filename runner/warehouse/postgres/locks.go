package postgres

import (
	"context"
	"hash/fnv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// holderLookupTimeout bounds the query that names the holder of an
// advisory lock kiln gave up waiting for; it needs a connection of its own,
// which a busy pool may be slow to give.
const holderLookupTimeout = 5 * time.Second

// advisoryKey is the key of the advisory lock that serializes kiln's
// writers of rel, across invocations and machines: the 64-bit FNV-1a hash
// of "kiln:" followed by the relation as quoted SQL ("kiln:"schema"."name"",
// so that schema "a.b" with name "c" differs from schema "a" with name
// "b.c"), read as a signed bigint. It does not depend on the server
// (hashtext is not guaranteed stable across major versions), and it must
// never change: kiln runs of different versions would stop excluding each
// other. A test pins it.
func advisoryKey(rel warehouse.Relation) int64 {
	f := fnv.New64a()
	f.Write([]byte("kiln:" + rel.Key().String()))
	return int64(f.Sum64())
}

// lockKeyHalves splits a bigint advisory key the way pg_locks shows it:
// classid holds the high 32 bits and objid the low 32 bits.
func lockKeyHalves(key int64) (classid, objid int64) {
	u := uint64(key)
	return int64(u >> 32), int64(u & 0xffffffff)
}

// lockError describes the session holding the advisory lock of rel. It
// asks on another connection: the transaction that gave up is aborted, and
// pg_stat_activity is read once per transaction. If the holder has let go
// in the meantime, or the lookup fails, the error names no holder.
func (w *Warehouse) lockError(ctx context.Context, h string, rel warehouse.Relation, waited time.Duration) error {
	e := &warehouse.LockError{Relation: rel, Waited: waited}
	ctx, cancel := context.WithTimeout(ctx, holderLookupTimeout)
	defer cancel()
	classid, objid := lockKeyHalves(advisoryKey(rel))
	var query string
	err := w.pool.QueryRow(ctx, lockHolderQuery(h), pgx.QueryExecModeExec, classid, objid).
		Scan(&e.HolderPID, &e.HolderAppName, &query)
	if err == nil {
		e.HolderQueryNode = commentNode(query)
	}
	return e
}

// commentNode returns the node id in the statement comment that starts a
// kiln statement (see header), or "" when query does not start with one.
func commentNode(query string) string {
	rest, ok := strings.CutPrefix(query, "/* kiln node=")
	if !ok {
		return ""
	}
	// commentSafe keeps "*/" out of the comment, so the first one ends it.
	comment, _, ok := strings.Cut(rest, " */")
	if !ok {
		return ""
	}
	i := strings.LastIndex(comment, " invocation=")
	if i < 0 {
		return ""
	}
	return comment[:i]
}
