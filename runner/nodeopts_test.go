package runner

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want time.Duration
	}{
		{1500, 1500 * time.Millisecond},
		{"250", 250 * time.Millisecond},
		{"30s", 30 * time.Second},
		{"5min", 5 * time.Minute},
		{"1.5h", 90 * time.Minute},
		{"200ms", 200 * time.Millisecond},
	} {
		got, err := parseTimeout(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("parseTimeout(%v) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []any{"soon", "-3s", true} {
		if _, err := parseTimeout(bad); err == nil {
			t.Errorf("parseTimeout(%v) accepted", bad)
		}
	}
}

func TestParseGrantsAndHooks(t *testing.T) {
	g, err := parseGrants(map[string]any{"SELECT": []any{"reporter", "bi"}, "insert": "loader"})
	if err != nil || !reflect.DeepEqual(g, map[string][]string{"select": {"reporter", "bi"}, "insert": {"loader"}}) {
		t.Fatalf("grants = %v, %v", g, err)
	}
	if _, err := parseGrants([]any{"x"}); err == nil {
		t.Fatal("a list of grants was accepted")
	}
	h, err := hookSQL([]any{"select 1", map[string]any{"sql": "select 2", "transaction": true}})
	if err != nil || !reflect.DeepEqual(h, []string{"select 1", "select 2"}) {
		t.Fatalf("hooks = %v, %v", h, err)
	}
}

func TestBadOptionsFailTheLoadAndHooksRender(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"models/a.sql": "{{ config(statement_timeout='soon', grants={'select': 5}) }}\nselect 1",
		"models/b.sql": "{{ config(materialized='table', post_hook=\"grant select on {{ this }} to {{ var('role', 'reporter') }}\") }}\nselect 1",
	})
	_, err := testEngine().Compile(context.Background(), Options{ProjectDir: dir})
	if err == nil {
		t.Fatal("compile accepted a bad statement_timeout")
	}
	for _, want := range []string{"models/a.sql:1: statement_timeout: soon is not a duration", "models/a.sql:1: grants: roles of select"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%s", want, err)
		}
	}
	dir = writeProject(t, map[string]string{
		"models/b.sql": "{{ config(materialized='table', post_hook=\"grant select on {{ this }} to {{ var('role', 'reporter') }}\") }}\nselect 1",
	})
	c, err := testEngine().compile(context.Background(), Options{ProjectDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	opts := c.Nodes["model.shop.b"].warehouseOptions(time.Second)
	if want := []string{`grant select on "analytics"."b" to reporter`}; !reflect.DeepEqual(opts.PostHooks, want) || opts.LockWait != time.Second {
		t.Fatalf("options = %+v", opts)
	}
}
