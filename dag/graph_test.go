package dag

import (
	"slices"
	"strings"
	"testing"
)

// build returns a graph from "dependent>dependency" edges and lone nodes.
func build(edges ...string) *Graph[string] {
	g := New[string]()
	for _, e := range edges {
		if dependent, dependency, ok := strings.Cut(e, ">"); ok {
			g.Connect(dependent, dependency)
		} else {
			g.Add(e)
		}
	}
	return g
}

// diamond: top depends on left and right, both depend on base.
func diamond() *Graph[string] {
	return build("top>left", "top>right", "left>base", "right>base")
}

func TestGraphBasics(t *testing.T) {
	g := diamond()
	g.Add("lone")
	g.Add("lone")
	if got, want := g.Nodes(), []string{"base", "left", "lone", "right", "top"}; !slices.Equal(got, want) {
		t.Errorf("Nodes() = %v, want %v", got, want)
	}
	if !g.Has("base") || g.Has("nope") {
		t.Errorf("Has: base=%v nope=%v", g.Has("base"), g.Has("nope"))
	}
	if got, want := g.Dependencies("top"), []string{"left", "right"}; !slices.Equal(got, want) {
		t.Errorf("Dependencies(top) = %v, want %v", got, want)
	}
	if got, want := g.Dependents("base"), []string{"left", "right"}; !slices.Equal(got, want) {
		t.Errorf("Dependents(base) = %v, want %v", got, want)
	}
	if got := g.Dependencies("nope"); got != nil {
		t.Errorf("Dependencies(nope) = %v, want nil", got)
	}
	var zero Graph[int]
	zero.Connect(2, 1)
	if got := zero.Nodes(); !slices.Equal(got, []int{1, 2}) {
		t.Errorf("zero graph Nodes() = %v", got)
	}
}

func TestAncestorsDescendants(t *testing.T) {
	g := build("top>left", "top>right", "left>base", "right>base", "base>root", "other", "a>b", "b>a")
	tests := []struct {
		node        string
		ancestors   []string
		descendants []string
	}{
		{"top", []string{"base", "left", "right", "root"}, nil},
		{"left", []string{"base", "root"}, []string{"top"}},
		{"root", nil, []string{"base", "left", "right", "top"}},
		{"other", nil, nil},
		{"missing", nil, nil},
		{"a", []string{"b"}, []string{"b"}}, // k excluded even on a cycle
	}
	for _, tt := range tests {
		if got := g.Ancestors(tt.node); !slices.Equal(got, tt.ancestors) {
			t.Errorf("Ancestors(%s) = %v, want %v", tt.node, got, tt.ancestors)
		}
		if got := g.Descendants(tt.node); !slices.Equal(got, tt.descendants) {
			t.Errorf("Descendants(%s) = %v, want %v", tt.node, got, tt.descendants)
		}
	}
}

func TestSubgraph(t *testing.T) {
	g := build("top>left", "top>right", "left>base", "right>base", "other")
	sub := g.Subgraph(func(k string) bool { return k != "left" && k != "other" })
	if got, want := sub.Nodes(), []string{"base", "right", "top"}; !slices.Equal(got, want) {
		t.Errorf("Nodes() = %v, want %v", got, want)
	}
	if got, want := sub.Dependencies("top"), []string{"right"}; !slices.Equal(got, want) {
		t.Errorf("Dependencies(top) = %v, want %v", got, want)
	}
	if got, want := sub.Dependents("base"), []string{"right"}; !slices.Equal(got, want) {
		t.Errorf("Dependents(base) = %v, want %v", got, want)
	}
	// the original is untouched
	if got, want := g.Dependents("base"), []string{"left", "right"}; !slices.Equal(got, want) {
		t.Errorf("original Dependents(base) = %v, want %v", got, want)
	}
	if empty := g.Subgraph(func(string) bool { return false }); len(empty.Nodes()) != 0 {
		t.Errorf("empty subgraph has %v", empty.Nodes())
	}
}
