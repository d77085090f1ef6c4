package runner

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// cacheProject has one model per input a render can read: a macro, a var,
// an environment variable, a ref, a source and a config() call.
func cacheProject(t *testing.T) string {
	return writeProject(t, map[string]string{
		"dbt_project.yml": "name: shop\nprofile: kiln_test\nconfig-version: 2\nvars:\n  days: 3\n" +
			"models:\n  shop:\n    sub:\n      +schema: \"{{ env_var('SUB_SCHEMA', 'sub') }}\"\n",
		"macros/cents.sql":     "{% macro cents(c) %}({{ c }} / 100){% endmacro %}",
		"models/money.sql":     "select {{ cents('amount') }} as amount",
		"models/recent.sql":    "select * from t where d > current_date - {{ var('days') }}",
		"models/region.sql":    "select '{{ env_var('REGION', 'eu') }}' as region",
		"models/child.sql":     "{{ config(materialized='table', tags=['x'], meta={'k': [1, 2.5, none, true, 'a']}) }}\nselect * from {{ ref('money') }} join {{ ref('leaf') }} using (id)",
		"models/sub/leaf.sql":  "select 1 as id",
		"models/raw_copy.sql":  "select * from {{ source('raw', 'events') }}",
		"models/plain.sql":     "select 2 as id\n",
		"models/sources.yml":   "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n",
		"models/describe.yml":  "version: 2\nmodels:\n  - name: plain\n    description: Two.\n",
		"models/disabled.sql":  "{{ config(enabled=false) }}select 3",
		"models/sub/other.sql": "select 4",
	})
}

// cacheEngine is an engine whose environment is env.
func cacheEngine(env map[string]string) *Engine {
	return &Engine{
		LookupEnv: func(name string) (string, bool) { v, ok := env[name]; return v, ok },
		HomeDir:   "/nonexistent",
		Version:   "test",
	}
}

// compileRendered compiles and returns the names of the models whose first
// render did not come from the cache.
func compileRendered(t *testing.T, e *Engine, opts Options) (*Compiled, []string) {
	t.Helper()
	c, err := e.compile(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if c.cache == nil {
		t.Skip("the parse cache is not wired into load yet (see the top of cache.go)")
	}
	var rendered []string
	for _, m := range c.Project.Models {
		if !m.Config.Enabled() {
			continue
		}
		if span := c.cache.spans[m.Path]; span == nil || !span.hit {
			rendered = append(rendered, m.Name)
		}
	}
	sort.Strings(rendered)
	return c, rendered
}

var allCacheModels = []string{"child", "disabled", "leaf", "money", "other", "plain", "raw_copy", "recent", "region"}

func TestCacheReusesRenders(t *testing.T) {
	dir := cacheProject(t)
	e := cacheEngine(nil)
	opts := Options{ProjectDir: dir}
	first, rendered := compileRendered(t, e, opts)
	if !slices.Equal(rendered, allCacheModels) {
		t.Fatalf("first compile rendered %v, want %v", rendered, allCacheModels)
	}
	if _, err := os.Stat(filepath.Join(dir, "target", cacheName)); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(filepath.Join(dir, "target", cacheName))
	second, rendered := compileRendered(t, e, opts)
	// The model that disables itself is not a node, so it is not cached.
	if want := []string{"disabled"}; !slices.Equal(rendered, want) {
		t.Fatalf("second compile rendered %v, want %v", rendered, want)
	}
	if again, _ := os.Stat(filepath.Join(dir, "target", cacheName)); !again.ModTime().Equal(info.ModTime()) {
		t.Errorf("an unchanged cache was written again")
	}
	for id, n := range first.Nodes {
		m := second.Nodes[id]
		if m == nil {
			t.Errorf("%s is missing from the cached compile", id)
			continue
		}
		if m.SQL != n.SQL || !slices.Equal(m.DependsOn, n.DependsOn) || !slices.Equal(m.SourceDeps, n.SourceDeps) ||
			first.fingerprint(n) != second.fingerprint(m) || m.Relation != n.Relation {
			t.Errorf("%s differs with the cache: %+v\nwithout: %+v", id, m, n)
		}
	}
}

func TestCacheInvalidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(dir string, e *Engine, opts *Options)
		want   []string // models rendered again, besides "disabled"
	}{
		{"nothing", func(string, *Engine, *Options) {}, nil},
		{"an edited model", func(dir string, _ *Engine, _ *Options) {
			write(t, dir, "models/plain.sql", "select 3 as id\n")
		}, []string{"plain"}},
		{"an edited macro", func(dir string, _ *Engine, _ *Options) {
			write(t, dir, "macros/cents.sql", "{% macro cents(c) %}({{ c }} / 100.0){% endmacro %}")
		}, allCacheModels},
		{"a new macro file", func(dir string, _ *Engine, _ *Options) {
			write(t, dir, "macros/more.sql", "{% macro other() %}1{% endmacro %}")
		}, allCacheModels},
		{"a var changed with --vars", func(_ string, _ *Engine, o *Options) {
			o.Vars = map[string]any{"days": 4}
		}, []string{"recent"}},
		{"a var set with --vars to the same value", func(_ string, _ *Engine, o *Options) {
			o.Vars = map[string]any{"days": 3}
		}, nil},
		{"a var of another type", func(_ string, _ *Engine, o *Options) {
			o.Vars = map[string]any{"days": 3.0}
		}, []string{"recent"}},
		{"an unused var", func(_ string, _ *Engine, o *Options) {
			o.Vars = map[string]any{"unused": 1}
		}, nil},
		{"an env var set", func(_ string, e *Engine, _ *Options) {
			e.LookupEnv = func(n string) (string, bool) { return map[string]string{"REGION": "us"}[n], n == "REGION" }
		}, []string{"region"}},
		{"an env var set to its default", func(_ string, e *Engine, _ *Options) {
			e.LookupEnv = func(n string) (string, bool) { return map[string]string{"REGION": "eu"}[n], n == "REGION" }
		}, []string{"region"}},
		{"an env var that moves a folder's schema", func(_ string, e *Engine, _ *Options) {
			e.LookupEnv = func(n string) (string, bool) { return "elsewhere", n == "SUB_SCHEMA" }
		}, []string{"child", "leaf", "other"}},
		{"another kiln version", func(_ string, e *Engine, _ *Options) {
			e.Version = "test2"
		}, allCacheModels},
		{"another target", func(_ string, _ *Engine, o *Options) {
			o.Threads = 7
		}, allCacheModels},
		{"an edited property file", func(dir string, _ *Engine, _ *Options) {
			write(t, dir, "models/describe.yml", "version: 2\nmodels:\n  - name: plain\n    description: Deux.\n")
		}, allCacheModels},
		{"a model moved out of its folder", func(dir string, _ *Engine, _ *Options) {
			if err := os.Rename(filepath.Join(dir, "models/sub/leaf.sql"), filepath.Join(dir, "models/leaf.sql")); err != nil {
				t.Fatal(err)
			}
		}, []string{"child", "leaf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := cacheProject(t)
			e := cacheEngine(nil)
			opts := Options{ProjectDir: dir}
			compileRendered(t, e, opts)
			tc.change(dir, e, &opts)
			changed, rendered := compileRendered(t, e, opts)
			want := append([]string{"disabled"}, tc.want...)
			slices.Sort(want)
			want = slices.Compact(want)
			if !slices.Equal(rendered, want) {
				t.Errorf("rendered %v, want %v", rendered, want)
			}
			// The result is what a compile without the cache gives.
			if err := os.Remove(filepath.Join(dir, "target", cacheName)); err != nil {
				t.Fatal(err)
			}
			fresh, rendered := compileRendered(t, e, opts)
			if !slices.Equal(rendered, allCacheModels) {
				t.Fatalf("compile without a cache rendered %v", rendered)
			}
			for id, n := range fresh.Nodes {
				if m := changed.Nodes[id]; m == nil || m.SQL != n.SQL || changed.fingerprint(m) != fresh.fingerprint(n) {
					t.Errorf("%s: the cached compile differs from a fresh one", id)
				}
			}
		})
	}
}

func TestCacheSurvivesBadFiles(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":   "not a cache",
		"empty":     "",
		"truncated": "", // filled in below
	} {
		t.Run(name, func(t *testing.T) {
			dir := cacheProject(t)
			e := cacheEngine(nil)
			compileRendered(t, e, Options{ProjectDir: dir})
			file := filepath.Join(dir, "target", cacheName)
			if name == "truncated" {
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				content = string(data[:len(data)*2/3])
			}
			write(t, dir, "target/"+cacheName, content)
			if _, rendered := compileRendered(t, e, Options{ProjectDir: dir}); !slices.Equal(rendered, allCacheModels) {
				t.Errorf("with a bad cache rendered %v, want all", rendered)
			}
			if _, rendered := compileRendered(t, e, Options{ProjectDir: dir}); !slices.Equal(rendered, []string{"disabled"}) {
				t.Errorf("the bad cache was not replaced: rendered %v", rendered)
			}
		})
	}
}

func TestCacheIsNotWrittenByAFailedLoad(t *testing.T) {
	dir := cacheProject(t)
	write(t, dir, "models/broken.sql", "select * from {{ ref('nothing') }}")
	if _, err := cacheEngine(nil).Compile(context.Background(), Options{ProjectDir: dir}); err == nil {
		t.Fatal("compile succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "target", cacheName)); !os.IsNotExist(err) {
		t.Errorf("a failed load wrote the cache: %v", err)
	}
}

// TestCacheKeepsSecretsOut checks that the cache holds hashes of the vars
// and environment variables a render read, not their values (the rendered
// SQL holds what the model printed, as target/compiled does).
func TestCacheKeepsSecretsOut(t *testing.T) {
	dir := cacheProject(t)
	write(t, dir, "models/gate.sql", "{% if env_var('TOKEN') == var('pass') %}select 1{% endif %}")
	e := cacheEngine(map[string]string{"TOKEN": "hunter2-token"})
	compileRendered(t, e, Options{ProjectDir: dir, Vars: map[string]any{"pass": "hunter2-pass"}})
	cache, err := os.ReadFile(filepath.Join(dir, "target", cacheName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Compile(context.Background(), Options{ProjectDir: dir, Vars: map[string]any{"pass": "hunter2-pass"}}); err != nil {
		t.Fatal(err)
	}
	record, err := os.ReadFile(filepath.Join(dir, "target", recordName))
	if err != nil {
		t.Fatal(err)
	}
	data := append(cache, record...)
	for _, secret := range []string{"hunter2", "s3cret"} {
		if strings.Contains(string(data), secret) {
			t.Errorf("the cache holds %q", secret)
		}
	}
}

func write(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCacheCodec round-trips an entry and checks that damaged entries and
// files are refused, never a panic.
func TestCacheCodec(t *testing.T) {
	cfg, ok := cachedValueOf(map[string]any{"m": []any{1, 2.5, nil, true, "s", map[string]any{"k": false}}}, 0)
	if !ok {
		t.Fatal("config value not recorded")
	}
	ent := &cacheEntry{
		Source:     [32]byte{1, 2, 3},
		SQL:        "select 1",
		Config:     []cachedPair{{Key: "meta", Value: cfg}, {Key: "n", Value: cachedValue{Kind: 'i', Int: -7}}},
		ConfigLine: 3,
		Refs:       []jinja.Call{{Args: []string{"p", "a"}, Line: 2}},
		Sources:    []jinja.Call{{Args: []string{"raw", "t"}, Line: 4}},
		SourceRels: []warehouse.Relation{{Schema: "raw", Name: "t"}},
		Handed:     []handedRelation{{Name: "a", Rel: warehouse.Relation{Database: "d", Schema: "s", Name: "a"}}},
		Vars:       []inputRead{{Name: "v", Hash: [32]byte{9}}},
		Env:        []inputRead{{Name: "E", Hash: [32]byte{8}}},
	}
	raw := encodeEntry(ent)
	got, ok := decodeEntry(raw)
	if !ok || !reflect.DeepEqual(got, ent) {
		t.Fatalf("decodeEntry(encodeEntry(e)) = %+v, %v; want %+v", got, ok, ent)
	}
	if v := got.Config[0].Value.value(); !reflect.DeepEqual(v, map[string]any{"m": []any{1, 2.5, nil, true, "s", map[string]any{"k": false}}}) {
		t.Errorf("config value = %#v", v)
	}
	for i := range len(raw) {
		if _, ok := decodeEntry(raw[:i]); ok {
			t.Errorf("an entry cut at %d of %d bytes was accepted", i, len(raw))
		}
		b := []byte(raw)
		b[i] ^= 0xff
		decodeEntry(string(b)) // may be accepted, must not panic
	}
	key := [32]byte{7}
	var file strings.Builder
	if err := writeCacheFile(&file, key, []*Node{{Path: "models/a.sql"}}, []string{raw}); err != nil {
		t.Fatal(err)
	}
	spans, ok := decodeCacheFile(file.String(), key)
	if !ok || len(spans) != 1 || spans["models/a.sql"].raw != raw {
		t.Fatalf("decodeCacheFile = %v, %v", spans, ok)
	}
	if _, ok := decodeCacheFile(file.String(), [32]byte{6}); ok {
		t.Error("a file written with another key was accepted")
	}
	for i := range file.Len() {
		if _, ok := decodeCacheFile(file.String()[:i], key); ok {
			t.Errorf("a file cut at %d bytes was accepted", i)
		}
	}
}
