package jinja

import (
	"github.com/nikolalohinski/gonja/v2/builtins"
	gonjatags "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
)

// forTag is gonja's {% for %}, parsed by gonja, executed by kiln. gonja's
// execution makes three sub-renderers per item (each a copy of the
// configuration, an environment and a context): one to evaluate the
// loop's if-filter, made even when there is none, one for the item, and
// one more for its body. In a project of thousands of models with loops
// that was a tenth of all allocation. forTag makes one per item, and the
// filter's only when there is a filter; the output, the variables and
// loop.* are gonja's. A recursive loop is left to gonja entirely.
type forTag struct {
	*gonjatags.ForControlStructure
}

// parseFor parses a for tag with gonja's parser.
func parseFor(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	parse, _ := builtins.ControlStructures.Get("for")
	cs, err := parse(p, args)
	if err != nil {
		return nil, err
	}
	if fcs, ok := cs.(*gonjatags.ForControlStructure); ok {
		return &forTag{fcs}, nil
	}
	return cs, nil
}

// Execute implements exec.ControlStructure: gonja's renderIterable with
// fewer sub-renderers.
func (f *forTag) Execute(r *exec.Renderer, tag *nodes.ControlStructureBlock) error {
	fcs := f.ForControlStructure
	if fcs.Recursive {
		return fcs.Execute(r, tag)
	}
	obj := r.Eval(fcs.ObjectEvaluator)
	if obj.IsError() {
		return obj
	}

	// First pass: the items, less those the if-filter rejects.
	var items []exec.Pair
	obj.Iterate(func(idx, count int, key, value *exec.Value) bool {
		var pair exec.Pair
		if fcs.Value != "" && !key.IsString() && key.Len() == 2 {
			key.Iterate(func(idx, count int, key, value *exec.Value) bool {
				switch idx {
				case 0:
					pair.Key = key
				case 1:
					pair.Value = key
				}
				return true
			}, func() {})
		} else {
			pair.Key = key
			pair.Value = value
		}
		if fcs.IfCondition != nil {
			sub := r.Inherit()
			ctx := sub.Environment.Context
			ctx.Set(fcs.Key, pair.Key)
			if pair.Value != nil {
				ctx.Set(fcs.Value, pair.Value)
			}
			if !sub.Eval(fcs.IfCondition).IsTrue() {
				return true
			}
		}
		items = append(items, pair)
		return true
	}, func() {})

	if len(items) == 0 {
		if fcs.EmptyWrapper != nil {
			return r.Inherit().ExecuteWrapper(fcs.EmptyWrapper)
		}
		return nil
	}

	// gonja's own loop variable is never found here: only a recursive
	// loop has one, and it binds loop to a function.
	depth := 1
	if parent, ok := r.Environment.Context.Get("loop"); ok {
		if p, ok := parent.(*loopInfo); ok {
			depth = p.depth + 1
		}
	}
	loop := &loopInfo{items: items, depth: depth}
	for idx, pair := range items {
		// The item's variables and the body's own share one context, made
		// anew for each item: gonja makes two, the body's a child of the
		// item's, and either way nothing set in the body outlives the item.
		sub := r.Inherit()
		ctx := sub.Environment.Context
		ctx.Set(fcs.Key, pair.Key)
		if pair.Value != nil {
			ctx.Set(fcs.Value, pair.Value)
		}
		ctx.Set("loop", loop)
		loop.index0 = idx
		err := nodes.Walk(sub, fcs.BodyWrapper)
		if err != nil {
			if isLoopControl[*gonjatags.LoopBreakError](err) {
				break
			}
			if isLoopControl[*gonjatags.LoopContinueError](err) {
				continue
			}
			return err
		}
	}
	return nil
}

// isLoopControl is gonja's isLoopControlError: whether err is, or wraps
// (errors.Unwrap or pkg/errors' Cause), a T.
func isLoopControl[T error](err error) bool {
	for e := err; e != nil; {
		if _, ok := e.(T); ok {
			return true
		}
		if u, ok := e.(interface{ Unwrap() error }); ok {
			e = u.Unwrap()
			continue
		}
		if c, ok := e.(interface{ Cause() error }); ok {
			e = c.Cause()
			continue
		}
		return false
	}
	return false
}

// loopInfo is Jinja's loop variable inside a forTag, with the attributes
// of gonja's LoopInfos; previtem and nextitem are made when asked for.
type loopInfo struct {
	items     []exec.Pair
	index0    int
	depth     int
	lastValue *exec.Value // of loop.changed
}

// GetAttribute implements exec.AttributeGetter, as gonja's LoopInfos does.
func (li *loopInfo) GetAttribute(name string) (*exec.Value, bool) {
	length := len(li.items)
	switch name {
	case "index":
		return exec.AsValue(li.index0 + 1), true
	case "index0":
		return exec.AsValue(li.index0), true
	case "revindex":
		return exec.AsValue(length - li.index0), true
	case "revindex0":
		return exec.AsValue(length - li.index0 - 1), true
	case "first":
		return exec.AsValue(li.index0 == 0), true
	case "last":
		return exec.AsValue(li.index0 == length-1), true
	case "length":
		return exec.AsValue(length), true
	case "depth":
		return exec.AsValue(li.depth), true
	case "depth0":
		return exec.AsValue(li.depth - 1), true
	case "previtem", "PrevItem":
		if li.index0 == 0 {
			return exec.AsValue(nil), true
		}
		return pairValue(li.items[li.index0-1]), true
	case "nextitem", "NextItem":
		if li.index0 == length-1 {
			return exec.AsValue(nil), true
		}
		return pairValue(li.items[li.index0+1]), true
	case "cycle", "Cycle":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			if len(va.Args) == 0 {
				return exec.AsValue("")
			}
			idx := li.index0 % len(va.Args)
			if idx < 0 {
				idx += len(va.Args)
			}
			return va.Args[idx]
		}), true
	case "changed", "Changed":
		return exec.AsValue(func(va *exec.VarArgs) *exec.Value {
			var current *exec.Value
			if len(va.Args) == 1 {
				current = va.Args[0]
			} else {
				items := make([]any, 0, len(va.Args))
				for _, a := range va.Args {
					items = append(items, a.Interface())
				}
				current = exec.AsValue(items)
			}
			same := li.lastValue != nil && current.EqualValueTo(li.lastValue)
			li.lastValue = current
			return exec.AsValue(!same)
		}), true
	}
	return exec.AsValue(nil), false
}

// pairValue is an item as previtem and nextitem give it: the value, or
// the key and value of a dict's item.
func pairValue(p exec.Pair) *exec.Value {
	if p.Value != nil {
		return exec.AsValue([2]*exec.Value{p.Key, p.Value})
	}
	return p.Key
}
