package postgres

import (
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// carried is what a replaced relation holds in the catalog that its
// replacement must not lose: its comment, its columns' comments and the
// privileges granted on it and on its columns, all limited to the columns
// the new relation still has. (dbt loses them on every rebuild.)
type carried struct {
	Comment        *string
	ColumnComments []columnComment
	Grants         []grant // the owner's own excluded
}

// carriedQuery reads what must be carried over from the relation with oid
// $1 to the new relation named $2 (a quoted, qualified name).
func carriedQuery(h string) string {
	return h + `with new_column as (
  select attname from pg_attribute where attrelid = $2::text::regclass and attnum > 0 and not attisdropped
)
select obj_description(c.oid, 'pg_class'),
  (select coalesce(json_agg(json_build_object('column', a.attname, 'comment', ds.description) order by a.attnum), '[]')
     from pg_description ds
     join pg_attribute a on a.attrelid = ds.objoid and a.attnum = ds.objsubid
     where ds.classoid = 'pg_class'::regclass and ds.objoid = c.oid and ds.objsubid > 0
       and a.attname in (select attname from new_column)),
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
         and a.attname in (select attname from new_column)
     ) g)
from pg_class c
where c.oid = $1::oid`
}

// carrySteps gives target, now a relation of kind k, what the relation it
// replaced had.
func carrySteps(h string, target warehouse.Relation, k warehouse.Kind, c carried) []step {
	name := ident(target.Schema, target.Name)
	what := "carry the comments and grants of the old " + target.String() + " over"
	var steps []step
	if c.Comment != nil {
		steps = append(steps, plain(h, "comment on "+kindWord(k)+" "+name+" is "+literal(*c.Comment), what))
	}
	for _, cc := range c.ColumnComments {
		steps = append(steps, plain(h, "comment on column "+ident(target.Schema, target.Name, cc.Column)+" is "+literal(cc.Comment), what))
	}
	for _, g := range c.Grants {
		steps = append(steps, plain(h, grantSQL(name, g), what))
	}
	return steps
}
