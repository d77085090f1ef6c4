package project

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/diag"
)

func TestMerge(t *testing.T) {
	base := Config{"materialized": "table", "tags": "a", "meta": map[string]any{"x": 1, "y": 1}, "pre-hook": "h1", "schema": "s"}
	over := Config{"+tags": []any{"b", "a"}, "meta": map[string]any{"y": 2}, "pre_hook": []any{"h2"}, "schema": "t", "enabled": false}
	got := base.Merge(over)
	want := Config{
		"materialized": "table",
		"tags":         []string{"a", "b"},
		"meta":         map[string]any{"x": 1, "y": 2},
		"pre_hook":     []any{"h1", "h2"},
		"schema":       "t",
		"enabled":      false,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Merge =\n %#v\nwant\n %#v", got, want)
	}
	if _, ok := base["enabled"]; ok || base["schema"] != "s" {
		t.Errorf("Merge modified its receiver: %v", base)
	}
}

func TestAccessors(t *testing.T) {
	tests := []struct {
		c            Config
		materialized string
		enabled      bool
		tags         []string
	}{
		{Config{}, "view", true, nil},
		{Config{"materialized": "table", "enabled": true, "tags": "x"}, "table", true, []string{"x"}},
		{Config{"enabled": false, "tags": []any{"a", "b"}}, "view", false, []string{"a", "b"}},
	}
	for _, tt := range tests {
		if got := tt.c.Materialized(); got != tt.materialized {
			t.Errorf("%v Materialized = %q", tt.c, got)
		}
		if got := tt.c.Enabled(); got != tt.enabled {
			t.Errorf("%v Enabled = %v", tt.c, got)
		}
		if got := tt.c.Tags(); !reflect.DeepEqual(got, tt.tags) {
			t.Errorf("%v Tags = %v", tt.c, got)
		}
	}
}

func TestCheckConfig(t *testing.T) {
	tests := []struct {
		name     string
		c        Config
		severity diag.Severity
		want     string // "" when CheckConfig reports nothing
	}{
		{"valid", Config{"materialized": "incremental", "enabled": false, "tags": []any{"a"}, "schema": "s", "+alias": "x", "pre-hook": "select 1"}, 0, ""},
		{"tags string", Config{"tags": "a"}, 0, ""},
		{"near typo key", Config{"materialised": "table"}, diag.Error, "f.yml:3: unknown config 'materialised' (did you mean 'materialized'?)"},
		{"near typo with plus", Config{"+tgas": "x"}, diag.Error, "unknown config 'tgas' (did you mean 'tags'?)"},
		{"custom key", Config{"my_team_owner": "x"}, diag.Warning, "f.yml:3: warning: unknown config 'my_team_owner'"},
		{"bad materialization", Config{"materialized": "tabel"}, diag.Error, "unknown materialization 'tabel' (did you mean 'table'?)"},
		{"far materialization", Config{"materialized": "snowpipe"}, diag.Error, "unknown materialization 'snowpipe' (use one of: view, table, incremental, ephemeral)"},
		{"materialized not string", Config{"materialized": 1}, diag.Error, "materialized must be a string, got 1"},
		{"enabled string", Config{"enabled": "false"}, diag.Error, "enabled must be true or false, got 'false' (remove the quotes)"},
		{"tags map", Config{"tags": map[string]any{"a": 1}}, diag.Error, "tags must be a string or a list of strings, got a mapping"},
		{"schema list", Config{"schema": []any{"a"}}, diag.Error, "schema must be a string, got a list"},
		{"alias number", Config{"alias": 5}, diag.Error, "alias must be a string, got 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := CheckConfig(tt.c, "f.yml", 3)
			if tt.want == "" {
				if len(list) != 0 {
					t.Errorf("CheckConfig = %v, want nothing", list)
				}
				return
			}
			if len(list) != 1 {
				t.Fatalf("CheckConfig = %v, want one diagnostic", list)
			}
			if list[0].Severity != tt.severity || !strings.Contains(list[0].Error(), tt.want) {
				t.Errorf("CheckConfig = %q (severity %d), want %q (severity %d)", list[0].Error(), list[0].Severity, tt.want, tt.severity)
			}
		})
	}
}

func TestMergeColumnTypesKeyByKey(t *testing.T) {
	folder := Config{"column_types": map[string]any{"code": "varchar(2)", "rate": "numeric"}}
	yaml := Config{"column_types": map[string]any{"rate": "numeric(10,4)"}}
	got := folder.Merge(yaml)["column_types"]
	want := map[string]any{"code": "varchar(2)", "rate": "numeric(10,4)"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("column_types = %v, want %v", got, want)
	}
}
