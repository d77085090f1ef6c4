package runner

import (
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// SourceNode is a declared source table with its schema rendered.
type SourceNode struct {
	ID       string
	Source   *project.Source
	Relation warehouse.Relation
}

// SourceID is dbt's unique id of a source table.
func SourceID(projectName, source, table string) string {
	return "source." + projectName + "." + source + "." + table
}

// loadSources renders the Jinja in source schemas and identifiers (dbt
// allows "{{ target.schema }}_raw") and indexes the sources.
func (c *Compiled) loadSources(e *Engine) error {
	c.Sources = map[string]*SourceNode{}
	var errs diag.List
	ctx := jinja.Context{Var: c.lookupVar, EnvVar: e.lookupEnv, Target: c.targetContext()}
	render := func(s *project.Source, text string) string {
		if !strings.Contains(text, "{{") && !strings.Contains(text, "{%") {
			return text
		}
		out, err := c.env.RenderString(s.Path, text, ctx)
		if err != nil {
			errs = append(errs, &diag.Diagnostic{File: s.Path, Line: s.Line, Message: err.Error()})
			return text
		}
		return strings.TrimSpace(out)
	}
	for _, s := range c.Project.Sources {
		id := SourceID(c.Project.Name, s.SourceName, s.Name)
		db := s.Database
		if db == "" {
			db = c.Target.DBName
		}
		c.Sources[id] = &SourceNode{ID: id, Source: s, Relation: warehouse.Relation{
			Database: render(s, db),
			Schema:   render(s, s.Schema),
			Name:     render(s, s.Identifier),
		}}
	}
	return errs.Err()
}

func (c *Compiled) sourceNames() []string {
	out := make([]string, 0, len(c.Sources))
	for _, s := range c.Sources {
		out = append(out, s.Source.SourceName+"."+s.Source.Name)
	}
	sort.Strings(out)
	return out
}
