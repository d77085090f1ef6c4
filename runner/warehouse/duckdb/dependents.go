//go:build cgo

package duckdb

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// DuckDB keeps no record of which views use a table: duckdb_dependencies()
// lists none, DROP TABLE succeeds under a view, and the view fails when
// next read. kiln finds a relation's dependents from the views' stored
// SQL instead: each view whose statement names the relation (checked on
// the text first, then on the statement parsed by DuckDB's own parser,
// json_serialize_sql), then the views that name those, and so on.

// viewsQuery lists the views of the database with their stored statements.
const viewsQuery = `select schema_name, view_name, sql, comment from duckdb_views()
where database_name = current_database() and not internal and not temporary
order by schema_name, view_name`

// serializeQuery parses $1, a SELECT, into DuckDB's JSON syntax tree.
const serializeQuery = `select json_serialize_sql($1::varchar)::varchar`

// viewCommentsQuery lists the commented columns of views.
const viewCommentsQuery = `select c.schema_name, c.table_name, c.column_name, c.comment
from duckdb_columns() c
join duckdb_views() v on v.database_name = c.database_name and v.schema_name = c.schema_name and v.view_name = c.table_name
where c.database_name = current_database() and c.comment is not null and not v.temporary
order by c.schema_name, c.table_name, c.column_index`

// view is a view as duckdb_views() has it.
type view struct {
	Rel     warehouse.Relation
	SQL     string
	Comment *string
	refs    []tableRef // the relations its query names, once parsed
	parsed  bool
}

// tableRef is a relation named in a query, as written: catalog and schema
// may be empty.
type tableRef struct {
	Catalog, Schema, Name string
}

// dependents returns the views that depend on target, directly or through
// each other, in an order in which they can be recreated (a view after the
// views it names), leaving out those that do not work now: a view that
// fails to bind before the build is left as it is rather than fail the
// build. It reads the committed state; the caller locks what it returns
// before its transaction begins.
func (w *Warehouse) dependents(ctx context.Context, target warehouse.Relation) ([]dependent, error) {
	views, err := w.views(ctx)
	if err != nil || len(views) == 0 {
		return nil, err
	}
	in := map[lockKey]int{} // index in views of each dependent found
	var found []int
	frontier := []warehouse.Relation{target}
	for len(frontier) > 0 {
		var next []warehouse.Relation
		for i := range views {
			v := &views[i]
			if _, ok := in[keyOf(v.Rel)]; ok || keyOf(v.Rel) == keyOf(target) || !mentionsAny(v.SQL, frontier) {
				continue
			}
			if err := w.parseView(ctx, v); err != nil {
				return nil, err
			}
			if !v.parsed || w.namesAny(v, frontier) {
				in[keyOf(v.Rel)] = i
				found = append(found, i)
				next = append(next, v.Rel)
			}
		}
		frontier = next
	}
	if len(found) == 0 {
		return nil, nil
	}
	ordered := w.recreationOrder(views, found)
	comments, err := w.viewComments(ctx)
	if err != nil {
		return nil, err
	}
	var deps []dependent
	for _, i := range ordered {
		v := views[i]
		if !w.binds(ctx, v.Rel) {
			continue
		}
		deps = append(deps, dependent{Rel: v.Rel, SQL: v.SQL, Comment: v.Comment, Columns: comments[keyOf(v.Rel)]})
	}
	return deps, nil
}

// views reads every view of the database.
func (w *Warehouse) views(ctx context.Context) ([]view, error) {
	rows, err := w.db.QueryContext(ctx, viewsQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []view
	for rows.Next() {
		var v view
		if err := rows.Scan(&v.Rel.Schema, &v.Rel.Name, &v.SQL, &v.Comment); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// viewComments reads the column comments of every view.
func (w *Warehouse) viewComments(ctx context.Context) (map[lockKey][]columnComment, error) {
	rows, err := w.db.QueryContext(ctx, viewCommentsQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[lockKey][]columnComment{}
	for rows.Next() {
		var r warehouse.Relation
		var c columnComment
		if err := rows.Scan(&r.Schema, &r.Name, &c.Column, &c.Comment); err != nil {
			return nil, err
		}
		out[keyOf(r)] = append(out[keyOf(r)], c)
	}
	return out, rows.Err()
}

// binds reports whether the view r can be read now.
func (w *Warehouse) binds(ctx context.Context, r warehouse.Relation) bool {
	rows, err := w.db.QueryContext(ctx, "select * from "+rel(r)+" limit 0")
	if err != nil {
		return false
	}
	return rows.Close() == nil
}

// mentionsAny is the cheap test: whether the text of sql contains the name
// of one of rels, in any case.
func mentionsAny(sql string, rels []warehouse.Relation) bool {
	lower := strings.ToLower(sql)
	for _, r := range rels {
		if strings.Contains(lower, strings.ToLower(r.Name)) {
			return true
		}
	}
	return false
}

// parseView fills v.refs from the view's statement. DuckDB stores it as
// "CREATE VIEW <name> [(<columns>)] AS <query>;" and parses only queries
// to JSON, so the query is taken after the first " AS " that leaves a
// statement DuckDB can parse. A view none of whose cuts parses stays
// unparsed.
func (w *Warehouse) parseView(ctx context.Context, v *view) error {
	if v.parsed {
		return nil
	}
	for rest := v.SQL; ; {
		i := strings.Index(rest, " AS ")
		if i < 0 {
			return nil
		}
		rest = rest[i+len(" AS "):]
		var tree string
		if err := w.db.QueryRowContext(ctx, serializeQuery, rest).Scan(&tree); err != nil {
			return err
		}
		if refs, ok := tableRefs(tree); ok {
			v.refs, v.parsed = refs, true
			return nil
		}
	}
}

// tableRefs reads the base tables a json_serialize_sql tree names; ok is
// false when DuckDB could not parse the query.
func tableRefs(tree string) (refs []tableRef, ok bool) {
	var root struct {
		Error      bool `json:"error"`
		Statements []any
	}
	if err := json.Unmarshal([]byte(tree), &root); err != nil || root.Error || len(root.Statements) != 1 {
		return nil, false
	}
	var walk func(any)
	walk = func(n any) {
		switch n := n.(type) {
		case map[string]any:
			if n["type"] == "BASE_TABLE" {
				name, _ := n["table_name"].(string)
				schema, _ := n["schema_name"].(string)
				catalog, _ := n["catalog_name"].(string)
				refs = append(refs, tableRef{Catalog: catalog, Schema: schema, Name: name})
			}
			for _, c := range n {
				walk(c)
			}
		case []any:
			for _, c := range n {
				walk(c)
			}
		}
	}
	walk(root.Statements)
	return refs, true
}

// namesAny reports whether the parsed view v names one of rels, as DuckDB
// would resolve the name from the view's schema: an unqualified name is
// looked up in the view's schema, then in main; a two-part name may be
// schema.table or database.table. It errs on the side of a match: a view
// recreated needlessly is only recreated.
func (w *Warehouse) namesAny(v *view, rels []warehouse.Relation) bool {
	for _, ref := range v.refs {
		for _, r := range rels {
			if refersTo(ref, v.Rel.Schema, w.dbName, r) {
				return true
			}
		}
	}
	return false
}

// refersTo reports whether ref, written in a view of schema viewSchema in
// database db, may mean r.
func refersTo(ref tableRef, viewSchema, db string, r warehouse.Relation) bool {
	eq := strings.EqualFold
	switch {
	case !eq(ref.Name, r.Name):
		return false
	case ref.Catalog != "" && !eq(ref.Catalog, db):
		return false
	case ref.Schema == "":
		return eq(viewSchema, r.Schema) || eq(r.Schema, "main")
	default:
		return eq(ref.Schema, r.Schema) || ref.Catalog == "" && eq(ref.Schema, db) && eq(r.Schema, "main")
	}
}

// recreationOrder orders the views found (indexes into views) so that each
// comes after the found views it names; ties, and views caught in a cycle,
// go by name.
func (w *Warehouse) recreationOrder(views []view, found []int) []int {
	byName := func(a, b int) int {
		return cmp.Or(cmp.Compare(views[a].Rel.Schema, views[b].Rel.Schema), cmp.Compare(views[a].Rel.Name, views[b].Rel.Name))
	}
	after := map[int][]int{} // view -> found views it names
	for _, i := range found {
		for _, j := range found {
			if i != j && (!views[i].parsed && mentionsAny(views[i].SQL, []warehouse.Relation{views[j].Rel}) ||
				views[i].parsed && w.namesAny(&views[i], []warehouse.Relation{views[j].Rel})) {
				after[i] = append(after[i], j)
			}
		}
	}
	done := map[int]bool{}
	var order []int
	remaining := slices.Clone(found)
	slices.SortFunc(remaining, byName)
	for len(remaining) > 0 {
		progressed := false
		for k, i := range remaining {
			ready := true
			for _, j := range after[i] {
				if !done[j] {
					ready = false
					break
				}
			}
			if ready {
				order, done[i] = append(order, i), true
				remaining = slices.Delete(remaining, k, k+1)
				progressed = true
				break
			}
		}
		if !progressed { // a cycle, which DuckDB would not have let exist
			order = append(order, remaining...)
			break
		}
	}
	return order
}
