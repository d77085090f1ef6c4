package postgres

import (
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// dependent is a view or materialized view that depends, directly or through
// other views, on a relation kiln is about to replace, captured with enough
// detail to recreate it exactly.
type dependent struct {
	Rel        warehouse.Relation
	Kind       warehouse.Kind // View or MaterializedView
	Depth      int            // 1 for a direct dependent; the longest path otherwise
	Definition string         // pg_get_viewdef, every name schema-qualified
	Options    []string       // reloptions, "name=value"
	Owner      string         // "" when it is the current user
	Comment    *string
	Populated  bool // materialized views: WITH DATA or WITH NO DATA

	ColumnComments []columnComment
	ColumnDefaults []columnDefault
	Grants         []grant  // relation and column privileges, the owner's own excluded
	Extras         []string // CREATE INDEX / TRIGGER / RULE statements
}

type columnComment struct {
	Column  string `json:"column"`
	Comment string `json:"comment"`
}

type columnDefault struct {
	Column  string `json:"column"`
	Default string `json:"default"`
}

// grant is one row of aclexplode; Grantee "" is PUBLIC.
type grant struct {
	Column    string `json:"column,omitempty"`
	Grantee   string `json:"grantee"`
	Privilege string `json:"privilege"`
	Grantable bool   `json:"grantable"`
}

// dependentsQuery lists, for the relation with oid $1, every view and
// materialized view that depends on it, recursively through pg_rewrite, with
// everything recreateDependent needs. Run it under setCatalogSearchPath so
// that definitions come out schema-qualified. A view reachable by paths of
// different lengths gets the longest, so ordering by depth puts every view
// after everything it reads.
func dependentsQuery(h string) string {
	return h + `with recursive edge(oid, depth) as (
    select r.ev_class, 1
    from pg_depend d
    join pg_rewrite r on r.oid = d.objid
    join pg_class c on c.oid = r.ev_class
    where d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass
      and d.refobjid = $1::oid and r.ev_class <> $1::oid and c.relkind in ('v', 'm')
  union
    select r.ev_class, e.depth + 1
    from edge e
    join pg_depend d on d.refobjid = e.oid
    join pg_rewrite r on r.oid = d.objid
    join pg_class c on c.oid = r.ev_class
    where d.classid = 'pg_rewrite'::regclass and d.refclassid = 'pg_class'::regclass
      and r.ev_class <> e.oid and c.relkind in ('v', 'm') and e.depth < 100
), dep as (
  select oid, max(depth) as depth from edge group by oid
)
select n.nspname::text, c.relname::text, c.relkind::text, dep.depth,
  pg_get_viewdef(c.oid),
  coalesce(c.reloptions, '{}')::text[],
  coalesce(nullif(pg_get_userbyid(c.relowner), current_user)::text, ''),
  obj_description(c.oid, 'pg_class'),
  c.relispopulated,
  (select coalesce(json_agg(json_build_object('column', a.attname, 'comment', ds.description) order by a.attnum), '[]')
     from pg_description ds
     join pg_attribute a on a.attrelid = ds.objoid and a.attnum = ds.objsubid
     where ds.classoid = 'pg_class'::regclass and ds.objoid = c.oid and ds.objsubid > 0),
  (select coalesce(json_agg(json_build_object('column', a.attname, 'default', pg_get_expr(ad.adbin, ad.adrelid)) order by a.attnum), '[]')
     from pg_attrdef ad
     join pg_attribute a on a.attrelid = ad.adrelid and a.attnum = ad.adnum
     where ad.adrelid = c.oid),
  (select coalesce(json_agg(g order by g."column", g.grantee, g.privilege), '[]') from (
       select '' as "column", case when x.grantee = 0 then '' else pg_get_userbyid(x.grantee)::text end as grantee,
         x.privilege_type as privilege, x.is_grantable as grantable
       from aclexplode(c.relacl) x
       where x.grantee <> c.relowner
     union all
       select a.attname::text, case when x.grantee = 0 then '' else pg_get_userbyid(x.grantee)::text end,
         x.privilege_type, x.is_grantable
       from pg_attribute a, aclexplode(a.attacl) x
       where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and x.grantee <> c.relowner
     ) g),
  array(select pg_get_indexdef(i.indexrelid) from pg_index i where i.indrelid = c.oid order by i.indexrelid)
    || array(select pg_get_triggerdef(t.oid) from pg_trigger t where t.tgrelid = c.oid and not t.tgisinternal order by t.tgname)
    || array(select pg_get_ruledef(r.oid) from pg_rewrite r where r.ev_class = c.oid and r.rulename <> '_RETURN' order by r.rulename)
from dep
join pg_class c on c.oid = dep.oid
join pg_namespace n on n.oid = c.relnamespace
order by dep.depth, n.nspname, c.relname`
}
