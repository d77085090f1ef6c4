package postgres

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestCatalogKinds(t *testing.T) {
	s1, s2 := newSchema(t), newSchema(t)
	fdw := fmt.Sprintf("kiln_fdw_%d", os.Getpid())
	mustExec(t,
		"create foreign data wrapper "+ident(fdw),
		"create server "+ident(fdw)+" foreign data wrapper "+ident(fdw))
	t.Cleanup(func() { mustExec(t, "drop foreign data wrapper "+ident(fdw)+" cascade") })
	mustExec(t,
		"create table "+ident(s1, "tbl")+" (id int primary key)",
		"create view "+ident(s1, "vw")+" as select 1 as x",
		"create materialized view "+ident(s1, "mv")+" as select 1 as x",
		"create table "+ident(s2, "part")+" (d date) partition by range (d)",
		"create foreign table "+ident(s2, "ft")+" (a int) server "+ident(fdw),
		"create sequence "+ident(s2, "Odd Name"),
	)
	cat, err := testWH.Catalog(context.Background(), []string{s1, s2, "no_such_schema_kiln"})
	if err != nil {
		t.Fatal(err)
	}
	want := warehouse.Catalog{
		{Schema: s1, Name: "tbl"}:      warehouse.Table,
		{Schema: s1, Name: "tbl_pkey"}: warehouse.Other,
		{Schema: s1, Name: "vw"}:       warehouse.View,
		{Schema: s1, Name: "mv"}:       warehouse.MaterializedView,
		{Schema: s2, Name: "part"}:     warehouse.Other,
		{Schema: s2, Name: "ft"}:       warehouse.Other,
		{Schema: s2, Name: "Odd Name"}: warehouse.Other,
	}
	if len(cat) != len(want) {
		t.Errorf("catalog has %d relations, want %d: %v", len(cat), len(want), cat)
	}
	for r, k := range want {
		if got := cat.Lookup(warehouse.Relation{Database: "whatever", Schema: r.Schema, Name: r.Name}); got != k {
			t.Errorf("%s: %q, want %q", r, got, k)
		}
	}
	if got := cat.Lookup(warehouse.Relation{Schema: s1, Name: "nope"}); got != warehouse.Absent {
		t.Errorf("absent relation: %q", got)
	}
}

func TestCreateSchemaRace(t *testing.T) {
	name := fmt.Sprintf("kiln_race_%d", os.Getpid())
	t.Cleanup(func() { mustExec(t, "drop schema if exists "+ident(name)) })
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = testWH.CreateSchema(context.Background(), name)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("session %d: %v", i, err)
		}
	}
	if err := testWH.CreateSchema(context.Background(), name); err != nil {
		t.Errorf("again: %v", err)
	}
}

// A user who may not create schemas can still "create" one that exists.
func TestCreateSchemaThatExistsWithoutCreatePrivilege(t *testing.T) {
	s := newSchema(t)
	role := newRole(t, "nocreate")
	mustExec(t, "alter role "+ident(role)+" login")
	cfg, err := configFromURL(testAdmin.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.User = role
	w, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.CreateSchema(context.Background(), s); err != nil {
		t.Errorf("existing schema: %v", err)
	}
	if err := w.CreateSchema(context.Background(), s+"_new"); err == nil {
		t.Errorf("created a schema without the privilege")
		mustExec(t, "drop schema "+ident(s+"_new"))
	}
}
