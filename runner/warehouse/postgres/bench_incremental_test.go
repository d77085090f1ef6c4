package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// BenchmarkIncrementalMerge applies a 100,000-row delta (half updates, half
// inserts) to a 1,000,000-row table, once through kiln's Build and once with
// a hand-written MERGE, on the same server, each on a freshly restored
// table. It reports the time of each per operation:
//
//	go test ./runner/warehouse/postgres -run '^$' -bench BenchmarkIncrementalMerge -benchtime 3x
func BenchmarkIncrementalMerge(b *testing.B) {
	ctx := context.Background()
	s := newSchema(b)
	base, delta, tbl := ident(s, "base"), ident(s, "delta"), ident(s, "t")
	mustExec(b,
		"create table "+base+" as select g as id, md5(g::text) as name, (g % 1000)::numeric(10,2) as amount,"+
			" timestamp '2024-01-01' + g * interval '1 second' as updated_at from generate_series(1, 1000000) g",
		// 50,000 existing ids, every 20th, and 50,000 new ones.
		"create table "+delta+" as"+
			" select g * 20 as id, md5('u' || g) as name, 1.50::numeric(10,2) as amount, timestamp '2025-01-01' as updated_at"+
			" from generate_series(1, 50000) g"+
			" union all select 1000000 + g, md5('i' || g), 2.50, timestamp '2025-01-02' from generate_series(1, 50000) g",
		"vacuum analyze "+base,
		"vacuum analyze "+delta,
	)
	reset := func() {
		b.StopTimer()
		mustExec(b, "drop table if exists "+tbl, "create table "+tbl+" as select * from "+base, "vacuum analyze "+tbl)
		b.StartTimer()
	}
	const handMerge = `merge into %s as d using %s as s on s.id = d.id
when matched then update set name = s.name, amount = s.amount, updated_at = s.updated_at
when not matched then insert (id, name, amount, updated_at) values (s.id, s.name, s.amount, s.updated_at)`
	inc := warehouse.Incremental{UniqueKey: []string{"id"}, Strategy: "merge"}
	var kiln, hand time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reset()
		bld := incremental(s, "t", "select id, name, amount, updated_at from "+delta, inc)
		bld.Existing = warehouse.Table
		start := time.Now()
		res, err := testWH.Build(ctx, bld)
		kiln += time.Since(start)
		if err != nil || res.RowsAffected != 100000 {
			b.Fatalf("kiln: %d rows, %v", res.RowsAffected, err)
		}

		reset()
		start = time.Now()
		tag, err := testAdmin.Exec(ctx, fmt.Sprintf(handMerge, tbl, delta))
		hand += time.Since(start)
		if err != nil || tag.RowsAffected() != 100000 {
			b.Fatalf("hand-written MERGE: %v, %v", tag, err)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(float64(kiln.Milliseconds())/n, "kiln-ms/op")
	b.ReportMetric(float64(hand.Milliseconds())/n, "hand-ms/op")
	b.ReportMetric(kiln.Seconds()/hand.Seconds(), "kiln/hand")
}
