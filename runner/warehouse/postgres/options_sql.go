package postgres

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The statements that apply warehouse.Options inside a node's transaction,
// as pure functions like those of sql.go; options_sql_test.go pins them
// with golden files. In a transaction they come in this order:
//
//	lockSteps                             serialize kiln's writers of the relation,
//	                                      and set the node's lock_timeout
//	statementTimeoutStep                  the node's statement_timeout
//	hookSteps("pre_hook")                 the node's pre-hooks
//	...                                   the build itself
//	hookSteps("post_hook")                the node's post-hooks
//	grantsQuery, grantSteps               the configured grants, which win
//	COMMIT

// lockWaitStep bounds the wait for the advisory lock: lock_timeout is
// LockWait, or 0 (no limit) when LockWait is zero.
func lockWaitStep(h string, wait time.Duration) step {
	return inert(plain(h, "set local lock_timeout = "+millis(wait), "set lock_timeout for the advisory lock"))
}

// advisoryLockStep takes the transaction-level advisory lock whose key is
// advisoryKey(rel), written as a bigint constant (it is kiln's hash, not
// user input), so that the statement reads the same in target/run. It is
// released when the transaction ends, however it ends.
func advisoryLockStep(h string, rel warehouse.Relation) step {
	s := inert(plain(h, advisoryLockSQL(advisoryKey(rel)), "wait for other kiln runs writing "+rel.Key().String()))
	s.Advisory = &rel
	return s
}

// advisoryLockSQL takes the advisory lock of key. PostgreSQL reads any
// int64 written in decimal, the smallest included, as a bigint constant.
func advisoryLockSQL(key int64) string {
	return "select pg_catalog.pg_advisory_xact_lock(" + strconv.FormatInt(key, 10) + ")"
}

// lockSteps take the advisory lock of rel, waiting at most wait (0: no
// limit), and leave lock_timeout at timeout for the rest of the
// transaction (0: the session's default). When sessionZero, the session's
// lock_timeout is known to be 0 and to be its default (nothing has set it
// since the connection opened), so the SETs that would not change it are
// left out: with neither a wait nor a timeout, the lock alone.
func lockSteps(h string, rel warehouse.Relation, wait, timeout time.Duration, sessionZero bool) []step {
	if !sessionZero {
		return []step{lockWaitStep(h, wait), advisoryLockStep(h, rel), lockTimeoutStep(h, timeout)}
	}
	var steps []step
	if wait > 0 {
		steps = append(steps, lockWaitStep(h, wait))
	}
	steps = append(steps, advisoryLockStep(h, rel))
	if wait > 0 || timeout > 0 {
		steps = append(steps, lockTimeoutStep(h, timeout))
	}
	return steps
}

// lockTimeoutStep sets lock_timeout for the rest of the transaction: the
// node's LockTimeout, or back to the session's value when it is zero.
func lockTimeoutStep(h string, d time.Duration) step {
	if d <= 0 {
		return inert(plain(h, "set local lock_timeout to default", "reset lock_timeout"))
	}
	return inert(plain(h, "set local lock_timeout = "+millis(d), "set lock_timeout"))
}

// statementTimeoutStep sets statement_timeout for the rest of the
// transaction; there is none when d is zero: the session's value stands.
func statementTimeoutStep(h string, d time.Duration) []step {
	if d <= 0 {
		return nil
	}
	return []step{inert(plain(h, "set local statement_timeout = "+millis(d), "set statement_timeout"))}
}

// millis renders a duration for a SET of a setting measured in
// milliseconds, in the largest unit PostgreSQL knows that divides it
// exactly. It rounds up to a whole millisecond, so that no positive
// duration becomes 0, which would mean no limit at all.
func millis(d time.Duration) string {
	if d <= 0 {
		return "0"
	}
	ms := int64((d + time.Millisecond - 1) / time.Millisecond)
	n, unit := ms, "ms"
	for _, u := range []struct {
		ms   int64
		name string
	}{{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}} {
		if ms%u.ms == 0 {
			n, unit = ms/u.ms, u.name
			break
		}
	}
	return "'" + strconv.FormatInt(n, 10) + unit + "'"
}

// hookSteps renders hooks, each sent as written after the statement
// comment; kind is "pre_hook" or "post_hook". Blank hooks are skipped but
// keep their number, so that "post_hook #3" is the third in the config.
func hookSteps(h, kind string, hooks []string) []step {
	var steps []step
	for i, sql := range hooks {
		if strings.TrimSpace(sql) == "" {
			continue
		}
		name := kind + " #" + strconv.Itoa(i+1)
		steps = append(steps, step{SQL: h + sql, ModelAt: utf8.RuneCountInString(h), What: name, Hook: name, Source: sql})
	}
	return steps
}

// grantsQuery reads the privileges held on the relation named $1 (quoted
// and qualified) as a whole, not on its columns, by others than its owner:
// one row per privilege (lower case) and grantee ("" for PUBLIC).
func grantsQuery(h string) string {
	return h + `select pg_catalog.lower(x.privilege_type), case when x.grantee = 0 then '' else pg_catalog.pg_get_userbyid(x.grantee)::text end
from pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) x
where c.oid = $1::text::pg_catalog.regclass and x.grantee <> c.relowner
order by 1, 2`
}

// grantSteps makes the grants on rel what want says: for each privilege
// named in want, in alphabetical order, it revokes the privilege from the
// holders in held that are not listed, then grants it to the listed roles
// that do not hold it. Privileges want does not name are left alone, and so
// is the grant option of a listed role that has it. held comes from
// grantsQuery; a role named "public", in any case, is PUBLIC.
func grantSteps(h string, rel warehouse.Relation, want map[string][]string, held []grant) []step {
	name := ident(rel.Schema, rel.Name)
	privs := make([]string, 0, len(want))
	roles := map[string][]string{}
	for p, rs := range want {
		p = strings.ToLower(strings.TrimSpace(p))
		if _, ok := roles[p]; !ok {
			privs = append(privs, p)
		}
		roles[p] = append(roles[p], rs...)
	}
	slices.Sort(privs)
	var steps []step
	for _, p := range privs {
		var listed []string
		for _, r := range roles[p] {
			if r = grantee(r); !slices.Contains(listed, r) {
				listed = append(listed, r)
			}
		}
		var holders, revoke, add []string
		for _, g := range held {
			if g.Column == "" && strings.EqualFold(g.Privilege, p) && !slices.Contains(holders, g.Grantee) {
				holders = append(holders, g.Grantee)
				if !slices.Contains(listed, g.Grantee) {
					revoke = append(revoke, g.Grantee)
				}
			}
		}
		for _, r := range listed {
			if !slices.Contains(holders, r) {
				add = append(add, r)
			}
		}
		if len(revoke) > 0 {
			steps = append(steps, plain(h, "revoke "+p+" on "+name+" from "+granteeList(revoke), "revoke "+p+" on "+rel.String()))
		}
		if len(add) > 0 {
			steps = append(steps, plain(h, "grant "+p+" on "+name+" to "+granteeList(add), "grant "+p+" on "+rel.String()))
		}
	}
	return steps
}

// grantee is the role a configured name means: "" (PUBLIC, as grantsQuery
// reads it) for "public" in any case, else the name itself.
func grantee(role string) string {
	if strings.EqualFold(role, "public") {
		return ""
	}
	return role
}

// granteeList renders grantees, PUBLIC as the keyword and roles quoted.
func granteeList(gs []string) string {
	q := make([]string, len(gs))
	for i, g := range gs {
		if g == "" {
			q[i] = "public"
		} else {
			q[i] = ident(g)
		}
	}
	return strings.Join(q, ", ")
}

// lockHolderQuery finds the session holding the advisory lock whose bigint
// key has the high 32 bits $1 and the low 32 bits $2: PostgreSQL shows such
// a key in pg_locks as classid (high), objid (low) and objsubid 1 (2 is the
// two-int4 form), in the current database.
func lockHolderQuery(h string) string {
	return h + `select a.pid, coalesce(a.application_name, ''), coalesce(a.query, '')
from pg_catalog.pg_locks l
join pg_catalog.pg_stat_activity a using (pid)
where l.locktype = 'advisory' and l.granted
  and l.database = (select oid from pg_catalog.pg_database where datname = pg_catalog.current_database())
  and l.classid = $1::bigint::oid and l.objid = $2::bigint::oid and l.objsubid = 1
order by a.pid
limit 1`
}

// searchPathQuery reads the search_path, to be restored after a swap that
// ran under setCatalogSearchPath.
func searchPathQuery(h string) string {
	return h + "select pg_catalog.current_setting('search_path')"
}

// restoreSearchPath puts back the search_path that searchPathQuery read,
// so that post-hooks resolve names as the pre-hooks and the model did.
func restoreSearchPath(h, path string) step {
	s := plain(h, "select pg_catalog.set_config('search_path', $1, true)", "restore search_path")
	s.Args = []any{path}
	return s
}
