// Package jinja renders dbt model files: the Jinja dialect of dbt (ref,
// source, config, var, env_var, this, target, is_incremental, project
// macros) on top of gonja, with every error mapped to the file and line the
// user wrote.
//
// An Env is built once per project from its macro files and is safe for
// concurrent use. Render parses a model and evaluates it against a Context
// that supplies the project-specific answers: what a ref resolves to,
// which vars are set, and so on.
//
// What kiln adds to gonja, and why, is described on prep (prepare.go): the
// tree of each template is rewritten once so that every error, and every
// ref, knows its line.
package jinja

import (
	"slices"
	"sort"
	"sync"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/kiln-dev/kiln/runner/diag"
)

// File is one template: a model, a macro file or any other text to render.
type File struct {
	Path   string // as reported in diagnostics, e.g. models/orders.sql
	Source string
}

// Env holds what every render shares: gonja's configuration, the filters,
// tests and tags, and the project's macros, parsed once. It is safe for
// concurrent use.
type Env struct {
	cfg    *config.Config
	engine *exec.Environment // base context: gonja globals, dbt functions, macros
	macros map[string]*macro
	names  []string       // every callable name, for "did you mean" hints
	empty  *exec.Template // emptyName, for gonja's renderer (see execute)

	gonjaCalls bool // every call evaluated by gonja, no literalCall: for tests

	// lexers keeps the lexers of renders that succeeded, whose token arrays
	// serve the next template (see render).
	lexers sync.Pool
}

// NewEnv parses the macro files once. Every macro they define becomes
// callable from any template rendered with the Env, as in dbt. The error, if
// any, is a diag.List naming each file and line that failed to parse, and
// each macro defined twice.
func NewEnv(macros []File) (*Env, error) {
	e := &Env{
		cfg:    jinjaConfig(),
		macros: map[string]*macro{},
	}
	e.engine = &exec.Environment{
		Context:           baseContext(),
		Filters:           filters(),
		Tests:             exec.NewTestSet(map[string]exec.TestFunction{}).Update(builtins.Tests),
		ControlStructures: tagSet(),
		Methods:           builtins.Methods,
	}

	empty, d := e.compile(emptyName, "")
	if d != nil {
		return nil, d
	}
	e.empty = empty

	var errs diag.List
	var parsed []*exec.Template
	for _, f := range macros {
		tpl, err := e.loadMacros(f)
		errs.Add(err)
		if tpl != nil {
			parsed = append(parsed, tpl)
		}
	}
	// Macros can call macros of any file: prepare once all are known.
	for _, tpl := range parsed {
		errs = append(errs, e.prepare(tpl.Root().Identifier, tpl.Root(), false)...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}

	names := slices.Clone(dbtFunctions)
	for name, m := range e.macros {
		e.engine.Context.Set(name, m.call)
		names = append(names, name)
	}
	for name := range gonjaGlobals {
		names = append(names, name)
	}
	sort.Strings(names)
	e.names = names
	return e, nil
}

// emptyName names the Env's empty template.
const emptyName = "<empty>"

// jinjaConfig is Python Jinja's default configuration, which dbt uses:
// no trim_blocks, no lstrip_blocks, the final newline dropped.
func jinjaConfig() *config.Config {
	c := config.New()
	c.TrimBlocks = false
	c.LeftStripBlocks = false
	c.KeepTrailingNewline = false
	c.StrictUndefined = false
	c.AutoEscape = false
	return c
}

// gonjaGlobals are the global functions of gonja that kiln keeps.
var gonjaGlobals = map[string]bool{
	"cycler": true, "dict": true, "joiner": true, "namespace": true, "range": true,
}

// baseContext copies gonja's global functions into a new context (gonja's
// own maps are never modified) and replaces range, whose gonja version
// feeds a channel from a goroutine that leaks when a loop breaks early.
func baseContext() *exec.Context {
	all := exec.EmptyContext().Update(builtins.GlobalFunctions)
	ctx := exec.EmptyContext()
	for name := range gonjaGlobals {
		if v, ok := all.Get(name); ok {
			ctx.Set(name, v)
		}
	}
	ctx.Set("range", rangeFunc)
	for name, f := range dbtGlobals() {
		ctx.Set(name, f)
	}
	return ctx
}
