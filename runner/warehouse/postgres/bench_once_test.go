package postgres

import "testing"

// benchmark is what a benchmark's body uses of its *testing.B, so that a
// test can run the same body once, at a tiny size, through onceB: CI runs
// `go test`, never the benchmarks, and this keeps them working.
type benchmark interface {
	testing.TB
	ResetTimer()
	StartTimer()
	StopTimer()
	ReportMetric(n float64, unit string)
}

// onceB runs a benchmark's body inside a test, which fails as the body
// fails, with its message: the timer does nothing and the metrics are only
// logged, since a test asserts no timing.
type onceB struct{ *testing.T }

func (onceB) ResetTimer() {}
func (onceB) StartTimer() {}
func (onceB) StopTimer()  {}

func (o onceB) ReportMetric(n float64, unit string) {
	o.Helper()
	o.Logf("%g %s", n, unit)
}

var _ benchmark = (*testing.B)(nil)
