package runner

import (
	"sort"

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

// loadSources indexes the declared sources; the loader has already
// rendered the Jinja in their schemas ("{{ target.schema }}_raw").
func (c *Compiled) loadSources() {
	c.Sources = map[string]*SourceNode{}
	for _, s := range c.Project.Sources {
		id := SourceID(c.Project.Name, s.SourceName, s.Name)
		db := s.Database
		if db == "" {
			db = c.Target.DBName
		}
		c.Sources[id] = &SourceNode{ID: id, Source: s, Relation: warehouse.Relation{Database: db, Schema: s.Schema, Name: s.Identifier}}
	}
}

func (c *Compiled) sourceNames() []string {
	out := make([]string, 0, len(c.Sources))
	for _, s := range c.Sources {
		out = append(out, s.Source.SourceName+"."+s.Source.Name)
	}
	sort.Strings(out)
	return out
}

// sourceRefs lists the "<source>.<table>" names n reads, for source:
// selectors.
func (c *Compiled) sourceRefs(n *Node) []string {
	out := make([]string, 0, len(n.SourceDeps))
	for _, id := range n.SourceDeps {
		s := c.Sources[id].Source
		out = append(out, s.SourceName+"."+s.Name)
	}
	return out
}
