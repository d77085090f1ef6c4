package dag

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

func TestCycles(t *testing.T) {
	tests := []struct {
		name  string
		g     *Graph[string]
		want  [][]string
		error string
	}{
		{"acyclic", diamond(), nil, ""},
		{"empty", New[string](), nil, ""},
		{"self loop", build("a>a", "b>a"), [][]string{{"a"}},
			"dependency cycle: a -> a"},
		{"rotated to smallest", build("c>a", "a>b", "b>c"), [][]string{{"a", "b", "c"}},
			"dependency cycle: a -> b -> c -> a"},
		{"two separate cycles", build("x>y", "y>x", "b>c", "c>d", "d>b", "d>e", "e>x", "z>z"),
			[][]string{{"b", "c", "d"}, {"x", "y"}, {"z"}},
			"3 dependency cycles: b -> c -> d -> b; x -> y -> x; z -> z"},
		{"shortest cycle through smallest", build("a>b", "b>c", "c>d", "d>a", "b>a"),
			[][]string{{"a", "b"}}, "dependency cycle: a -> b -> a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.g.Cycles()
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Cycles() = %v, want %v", got, tt.want)
			}
			order, err := tt.g.Sort()
			if tt.error == "" {
				if err != nil {
					t.Fatalf("Sort() error = %v", err)
				}
				if len(order) != len(tt.g.Nodes()) {
					t.Fatalf("Sort() = %v, missing nodes", order)
				}
				return
			}
			var ce *CycleError[string]
			if !errors.As(err, &ce) || order != nil {
				t.Fatalf("Sort() = %v, %v; want nil, *CycleError", order, err)
			}
			if !reflect.DeepEqual(ce.Cycles, tt.want) {
				t.Errorf("CycleError.Cycles = %v, want %v", ce.Cycles, tt.want)
			}
			if err.Error() != tt.error {
				t.Errorf("Error() = %q, want %q", err.Error(), tt.error)
			}
		})
	}
}

func TestCyclesStable(t *testing.T) {
	first := build("x>y", "y>x", "b>c", "c>d", "d>b", "z>z").Cycles()
	for range 20 {
		if got := build("z>z", "d>b", "c>d", "b>c", "y>x", "x>y").Cycles(); !reflect.DeepEqual(got, first) {
			t.Fatalf("Cycles() = %v, then %v", first, got)
		}
	}
}

func TestSort(t *testing.T) {
	tests := []struct {
		name string
		g    *Graph[string]
		want []string
	}{
		{"diamond", diamond(), []string{"base", "left", "right", "top"}},
		{"ties by key", build("c", "a", "b"), []string{"a", "b", "c"}},
		{"dependencies first", build("a>z", "b>a", "c"), []string{"c", "z", "a", "b"}},
		{"chain with side", build("m>n", "n>o", "a"), []string{"a", "o", "n", "m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.g.Sort()
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("Sort() = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
