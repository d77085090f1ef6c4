package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// coldSizes are the project sizes of the cold compile targets.
var coldSizes = []int{10000, 50000}

// BenchmarkColdCompile is a first `kiln compile`: target/ (and with it the
// parse cache and the compile record) is removed before each iteration, so
// every model is rendered and every compiled file created. Set TMPDIR to a
// tmpfs to leave out the disk's file creation. cpu-ns/op is the process's
// CPU time per compile; background garbage collection still running when
// a compile returns is counted in the next one.
func BenchmarkColdCompile(b *testing.B) {
	for _, n := range coldSizes {
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			dir := project(b, n)
			e, opts := engine(dir)
			b.ReportAllocs()
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				if err := os.RemoveAll(filepath.Join(dir, "target")); err != nil {
					b.Fatal(err)
				}
				started := cpuTime()
				b.StartTimer()
				if _, err := e.Compile(context.Background(), opts); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				cpu += cpuTime() - started
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/model")
			// CPU time (user + system, all threads, garbage collection
			// included) is steadier than wall time on a shared machine.
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		})
	}
}
