package dag

import (
	"slices"
	"testing"
)

func TestReduceKeepsOrderThroughDroppedNodes(t *testing.T) {
	g := New[string]()
	g.Connect("c", "b")
	g.Connect("b", "a")
	g.Connect("d", "b")
	g.Add("e")
	keep := func(k string) bool { return k != "b" }
	r := g.Reduce(keep)
	if got := r.Nodes(); !slices.Equal(got, []string{"a", "c", "d", "e"}) {
		t.Fatalf("nodes = %v", got)
	}
	for _, k := range []string{"c", "d"} {
		if got := r.Dependencies(k); !slices.Equal(got, []string{"a"}) {
			t.Errorf("deps of %s = %v, want [a]", k, got)
		}
	}
	if got := r.Dependencies("a"); len(got) != 0 {
		t.Errorf("deps of a = %v", got)
	}
	order, err := r.Sort()
	if err != nil || slices.Index(order, "a") > slices.Index(order, "c") {
		t.Fatalf("order %v, err %v", order, err)
	}
	// Subgraph, by contrast, loses the a -> c ordering.
	if got := g.Subgraph(keep).Dependencies("c"); len(got) != 0 {
		t.Errorf("Subgraph deps of c = %v, want none", got)
	}
}

func TestReduceLongChainOfDroppedNodes(t *testing.T) {
	g := New[int]()
	for i := 1; i < 10; i++ {
		g.Connect(i, i-1)
	}
	r := g.Reduce(func(k int) bool { return k == 0 || k == 9 })
	if got := r.Dependencies(9); !slices.Equal(got, []int{0}) {
		t.Fatalf("deps of 9 = %v, want [0]", got)
	}
}
