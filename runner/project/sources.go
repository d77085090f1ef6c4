package project

import (
	"slices"

	"github.com/kiln-dev/kiln/runner/diag"
	"gopkg.in/yaml.v3"
)

// Source is one table of a source declared under sources: in a property
// file; models read it with source('SourceName', 'Name').
type Source struct {
	SourceName, Name string
	Schema           string // the source's schema:, default its name
	Identifier       string // the table's identifier:, default its name
	Database         string // "" unless given
	Description      string // the table's description
	Path             string // the property file
	Line             int    // line of the table's entry
	LoadedAtField    string // the table's, else the source's
	Loader           string
	// Freshness is the table's freshness:, else the source's, as written;
	// nil when none applies (an explicit null on the table turns it off).
	Freshness map[string]any
	Columns   []Column
	Tests     []any // table-level data tests as written, not interpreted yet
}

var sourceKeys = []string{
	"name", "description", "database", "schema", "loader", "loaded_at_field",
	"loaded_at_query", "freshness", "tables", "meta", "tags", "config",
	"quoting", "overrides", "docs", "event_time",
}

var sourceTableKeys = []string{
	"name", "identifier", "description", "columns", "tests", "data_tests",
	"loaded_at_field", "loaded_at_query", "freshness", "meta", "tags",
	"config", "quoting", "external", "docs", "event_time",
}

// readSource reads one entry of sources: and adds its enabled tables.
func (l *loader) readSource(file string, e *yaml.Node) {
	name, ok := l.entryName(file, e, "source")
	if !ok {
		return
	}
	base := Source{SourceName: name, Schema: name, Path: file}
	enabled := true
	var tables pair
	for _, p := range pairs(e) {
		switch p.Key {
		case "name", "description":
		case "schema":
			if s := l.text(file, p); s != "" {
				base.Schema = s
			}
		case "database":
			base.Database = l.text(file, p)
		case "loader":
			base.Loader = l.text(file, p)
		case "loaded_at_field":
			base.LoadedAtField = l.text(file, p)
		case "freshness":
			base.Freshness = l.freshness(file, p)
		case "config":
			enabled = l.sourceEnabled(file, p)
		case "tables":
			tables = p
		default:
			if !slices.Contains(sourceKeys, p.Key) {
				l.warnUnknownKey(file, p, sourceKeys)
			}
		}
	}
	if tables.Value == nil {
		return
	}
	for _, t := range l.entries(file, tables) {
		if s := l.readSourceTable(file, t, base); s != nil && enabled {
			l.addSource(s)
		}
	}
}

// readSourceTable reads one entry of tables:, starting from the source's
// defaults; nil when the entry is broken or disabled.
func (l *loader) readSourceTable(file string, t *yaml.Node, base Source) *Source {
	name, ok := l.entryName(file, t, "source table")
	if !ok {
		return nil
	}
	s := base
	s.Name, s.Identifier, s.Line = name, name, t.Line
	enabled := true
	for _, p := range pairs(t) {
		switch p.Key {
		case "name":
		case "identifier":
			if id := l.text(file, p); id != "" {
				s.Identifier = id
			}
		case "description":
			s.Description = l.text(file, p)
		case "loaded_at_field":
			s.LoadedAtField = l.text(file, p)
		case "freshness":
			s.Freshness = l.freshness(file, p)
		case "columns":
			s.Columns = l.readColumns(file, p)
		case "tests", "data_tests":
			s.Tests = append(s.Tests, toList(value(p.Value))...)
		case "config":
			enabled = l.sourceEnabled(file, p)
		default:
			if !slices.Contains(sourceTableKeys, p.Key) {
				l.warnUnknownKey(file, p, sourceTableKeys)
			}
		}
	}
	if !enabled {
		return nil
	}
	return &s
}

// freshness reads a freshness: block; null turns freshness off.
func (l *loader) freshness(file string, p pair) map[string]any {
	if isNull(p.Value) {
		return nil
	}
	m, ok := value(p.Value).(map[string]any)
	if !ok {
		l.diags = append(l.diags, diag.Errorf(file, p.Line, "freshness must be a mapping (warn_after:, error_after:), got %s", kindName(p.Value)))
	}
	return m
}

// sourceEnabled reads enabled: from a source's or table's config:.
func (l *loader) sourceEnabled(file string, p pair) bool {
	for _, kv := range pairs(p.Value) {
		if kv.Key != "enabled" {
			continue
		}
		b, ok := value(kv.Value).(bool)
		if !ok {
			l.diags = append(l.diags, diag.Errorf(file, kv.Line, "enabled must be true or false, got %s", kindName(kv.Value)))
			return true
		}
		return b
	}
	return true
}

// addSource adds a table, reporting one declared before.
func (l *loader) addSource(s *Source) {
	for _, prev := range l.p.Sources {
		if prev.SourceName == s.SourceName && prev.Name == s.Name {
			d := diag.Errorf(s.Path, s.Line, "source table '%s.%s' is declared twice: here and at %s:%d", s.SourceName, s.Name, prev.Path, prev.Line)
			d.Hint = "declare each source table once"
			l.diags = append(l.diags, d)
			return
		}
	}
	l.p.Sources = append(l.p.Sources, s)
}
