package dag

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// recorder is an fn for Walk that records calls and checks that every
// dependency finished before a node starts.
type recorder struct {
	g    *Graph[string]
	fail map[string]bool

	mu       sync.Mutex
	order    []string
	finished map[string]bool
	early    []string // nodes started before a dependency finished
}

func newRecorder(g *Graph[string], fail ...string) *recorder {
	r := &recorder{g: g, fail: map[string]bool{}, finished: map[string]bool{}}
	for _, f := range fail {
		r.fail[f] = true
	}
	return r
}

func (r *recorder) fn(_ context.Context, k string) error {
	r.mu.Lock()
	r.order = append(r.order, k)
	for _, d := range r.g.Dependencies(k) {
		if !r.finished[d] {
			r.early = append(r.early, k)
		}
	}
	r.mu.Unlock()
	runtime.Gosched()
	r.mu.Lock()
	r.finished[k] = true
	r.mu.Unlock()
	if r.fail[k] {
		return fmt.Errorf("%s broke", k)
	}
	return nil
}

// statuses renders results as "node:status[:cause]" sorted by node.
func statuses(res map[string]Result[string]) []string {
	var out []string
	for k, r := range res {
		s := k + ":" + r.Status.String()
		if r.Status == Skipped {
			s += ":" + r.Cause
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

func TestWalk(t *testing.T) {
	tests := []struct {
		name  string
		g     *Graph[string]
		limit int
		fail  []string
		want  []string
		order []string // checked when limit is 1
		skips []string // OnSkip calls "node<-cause", sorted
	}{
		{
			name:  "diamond in order",
			g:     diamond(),
			want:  []string{"base:succeeded", "left:succeeded", "right:succeeded", "top:succeeded"},
			order: []string{"base", "left", "right", "top"},
		},
		{
			name:  "ready nodes in key order",
			g:     build("d", "b", "a>z", "c"),
			want:  []string{"a:succeeded", "b:succeeded", "c:succeeded", "d:succeeded", "z:succeeded"},
			order: []string{"b", "c", "d", "z", "a"},
		},
		{
			name:  "diamond concurrent",
			g:     build("top>left", "top>right", "left>base", "right>base", "top>mid", "mid>base"),
			limit: 8,
			want:  []string{"base:succeeded", "left:succeeded", "mid:succeeded", "right:succeeded", "top:succeeded"},
		},
		{
			name: "failure skips two levels with the root cause, other branch goes on",
			g:    build("b>a", "c>b", "d>c", "d>x", "y>x", "z>y"),
			fail: []string{"a"},
			want: []string{"a:failed", "b:skipped:a", "c:skipped:a", "d:skipped:a",
				"x:succeeded", "y:succeeded", "z:succeeded"},
			skips: []string{"b<-a", "c<-a", "d<-a"},
		},
		{
			name:  "failure skips concurrently",
			g:     build("b>a", "c>b", "d>c", "d>x", "y>x", "z>y"),
			limit: 4,
			fail:  []string{"a"},
			want: []string{"a:failed", "b:skipped:a", "c:skipped:a", "d:skipped:a",
				"x:succeeded", "y:succeeded", "z:succeeded"},
			skips: []string{"b<-a", "c<-a", "d<-a"},
		},
		{
			name:  "two failed roots: smallest is the cause",
			g:     build("e>f2", "e>f1", "g>e", "h>f2"),
			limit: 3,
			fail:  []string{"f1", "f2"},
			want:  []string{"e:skipped:f1", "f1:failed", "f2:failed", "g:skipped:f1", "h:skipped:f2"},
			skips: []string{"e<-f1", "g<-f1", "h<-f2"},
		},
		{
			name: "cycle members fail, dependents skipped, rest runs",
			g:    build("a>b", "b>a", "c>a", "d", "s>s", "t>s"),
			want: []string{"a:failed", "b:failed", "c:skipped:a", "d:succeeded",
				"s:failed", "t:skipped:s"},
			order: []string{"d"},
			skips: []string{"c<-a", "t<-s"},
		},
		{
			name: "empty graph",
			g:    New[string](),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder(tt.g, tt.fail...)
			var mu sync.Mutex
			var skips []string
			opts := WalkOptions[string]{Limit: tt.limit, OnSkip: func(k, cause string) {
				mu.Lock()
				skips = append(skips, k+"<-"+cause)
				mu.Unlock()
			}}
			res := tt.g.Walk(context.Background(), opts, rec.fn)
			if got := statuses(res); !slices.Equal(got, tt.want) {
				t.Errorf("results = %v\nwant      %v", got, tt.want)
			}
			if len(rec.early) > 0 {
				t.Errorf("started before their dependencies finished: %v", rec.early)
			}
			if tt.limit <= 1 && tt.order != nil && !slices.Equal(rec.order, tt.order) {
				t.Errorf("order = %v, want %v", rec.order, tt.order)
			}
			slices.Sort(skips)
			if !slices.Equal(skips, tt.skips) {
				t.Errorf("OnSkip calls = %v, want %v", skips, tt.skips)
			}
			for _, f := range tt.fail {
				if err := res[f].Err; err == nil || err.Error() != f+" broke" {
					t.Errorf("%s: Err = %v", f, err)
				}
			}
		})
	}
}

func TestWalkCycleError(t *testing.T) {
	g := build("a>b", "b>c", "c>a", "d")
	called := false
	res := g.Walk(context.Background(), WalkOptions[string]{}, func(_ context.Context, k string) error {
		if k != "d" {
			called = true
		}
		return nil
	})
	if called {
		t.Error("fn called for a cycle member")
	}
	for _, k := range []string{"a", "b", "c"} {
		var ce *CycleError[string]
		if !errors.As(res[k].Err, &ce) || !reflect.DeepEqual(ce.Cycles, [][]string{{"a", "b", "c"}}) {
			t.Errorf("%s: Err = %v, want the a-b-c cycle", k, res[k].Err)
		}
	}
}

func TestWalkLimit(t *testing.T) {
	for _, limit := range []int{-1, 0, 1, 3, 7} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			g := New[int]()
			for i := range 40 {
				g.Add(i)
				if i >= 20 {
					g.Connect(i, i-20) // a second wave behind the first
				}
			}
			want := int32(max(limit, 1))
			var cur, peak atomic.Int32
			gate := make(chan struct{})
			var once sync.Once
			res := g.Walk(context.Background(), WalkOptions[int]{Limit: limit}, func(context.Context, int) error {
				n := cur.Add(1)
				defer cur.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				// The first calls wait until the limit is reached, so the
				// peak is exactly the limit if Walk starts enough of them.
				if n == want {
					once.Do(func() { close(gate) })
				}
				select {
				case <-gate:
				case <-time.After(10 * time.Second):
					return errors.New("limit never reached")
				}
				return nil
			})
			if got := peak.Load(); got != want {
				t.Errorf("peak concurrency = %d, want %d", got, want)
			}
			for k, r := range res {
				if r.Status != Succeeded {
					t.Errorf("%d: %v %v", k, r.Status, r.Err)
				}
			}
		})
	}
}

func TestWalkCancelInsideFn(t *testing.T) {
	before := runtime.NumGoroutine()
	// chain a <- b <- c <- d plus independent e..h; limit 1 so order is known:
	// a, b (cancels), and nothing after.
	g := build("b>a", "c>b", "d>c", "e", "f", "g", "h")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls []string
	res := g.Walk(ctx, WalkOptions[string]{Limit: 1, OnSkip: func(k, _ string) {
		t.Errorf("OnSkip(%s) during cancellation", k)
	}}, func(ctx context.Context, k string) error {
		calls = append(calls, k)
		if k == "b" {
			cancel()
			return ctx.Err()
		}
		return nil
	})
	if want := []string{"a", "b"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %v, want %v", calls, want)
	}
	want := []string{"a:succeeded", "b:failed", "c:cancelled", "d:cancelled",
		"e:cancelled", "f:cancelled", "g:cancelled", "h:cancelled"}
	if got := statuses(res); !slices.Equal(got, want) {
		t.Errorf("results = %v\nwant      %v", got, want)
	}
	if !errors.Is(res["b"].Err, context.Canceled) || !errors.Is(res["c"].Err, context.Canceled) {
		t.Errorf("errors: b=%v c=%v", res["b"].Err, res["c"].Err)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("goroutines: %d before Walk, %d after", before, after)
	}
}

func TestWalkCancelWhileRunning(t *testing.T) {
	before := runtime.NumGoroutine()
	// a and b block until cancelled; c depends on a; d..f wait for a slot.
	g := build("a", "b", "c>a", "d", "e", "f")
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted")
	var started atomic.Int32
	var mu sync.Mutex
	var calls []string
	res := g.Walk(ctx, WalkOptions[string]{Limit: 2}, func(ctx context.Context, k string) error {
		mu.Lock()
		calls = append(calls, k)
		mu.Unlock()
		if started.Add(1) == 2 {
			cancel(stop)
		}
		<-ctx.Done()
		if k == "b" {
			return nil // finished its work anyway
		}
		return context.Cause(ctx)
	})
	slices.Sort(calls)
	if want := []string{"a", "b"}; !slices.Equal(calls, want) {
		t.Errorf("calls = %v, want %v", calls, want)
	}
	want := []string{"a:failed", "b:succeeded", "c:cancelled", "d:cancelled", "e:cancelled", "f:cancelled"}
	if got := statuses(res); !slices.Equal(got, want) {
		t.Errorf("results = %v\nwant      %v", got, want)
	}
	if !errors.Is(res["a"].Err, stop) || !errors.Is(res["d"].Err, stop) {
		t.Errorf("errors: a=%v d=%v, want the cancel cause", res["a"].Err, res["d"].Err)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("goroutines: %d before Walk, %d after", before, after)
	}
}

func TestWalkCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := diamond().Walk(ctx, WalkOptions[string]{Limit: 4}, func(context.Context, string) error {
		t.Error("fn called with a cancelled context")
		return nil
	})
	want := []string{"base:cancelled", "left:cancelled", "right:cancelled", "top:cancelled"}
	if got := statuses(res); !slices.Equal(got, want) {
		t.Errorf("results = %v, want %v", got, want)
	}
}

func TestWalkPanic(t *testing.T) {
	res := diamond().Walk(context.Background(), WalkOptions[string]{Limit: 2}, func(_ context.Context, k string) error {
		if k == "left" {
			panic("boom")
		}
		return nil
	})
	want := []string{"base:succeeded", "left:failed", "right:succeeded", "top:skipped:left"}
	if got := statuses(res); !slices.Equal(got, want) {
		t.Errorf("results = %v, want %v", got, want)
	}
	if err := res["left"].Err; err == nil || !strings.HasPrefix(err.Error(), "panic: boom") {
		t.Errorf("left: Err = %v", err)
	}
}

func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{Succeeded: "succeeded", Failed: "failed",
		Skipped: "skipped", Cancelled: "cancelled", 0: "Status(0)"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(s), s.String(), want)
		}
	}
}
