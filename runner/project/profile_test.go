package project

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const secret = "s3cr3t-Pa55"

const goodProfiles = `
shop:
  target: dev
  outputs:
    dev:
      type: postgres
      host: localhost
      port: "{{ env_var('PGPORT', '5432') | int }}"
      user: "{{ env_var('PGUSER') }}"
      password: "{{ env_var('PGPASSWORD') }}"
      dbname: shop
      schema: "dbt_{{ var('who', 'me') }}"
      threads: 4
      sslmode: disable
    prod:
      type: postgres
      host: db.internal
      user: deploy
      pass: "{{ env_var('PROD_PASSWORD') }}"
      database: shop_prod
      schema: analytics
`

// writeProfiles writes profiles.yml into dir (created) and returns dir.
func writeProfiles(t *testing.T, dir, content string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "profiles.yml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestProfileSearchOrder(t *testing.T) {
	type layout struct{ flag, env, project, home bool }
	tests := []struct {
		name    string
		layout  layout
		flagDir bool // pass --profiles-dir
		envDir  bool // set DBT_PROFILES_DIR
		want    string
		wantErr string
	}{
		{"flag wins", layout{true, true, true, true}, true, true, "flag", ""},
		{"flag dir without file", layout{false, true, true, true}, true, true, "", "no profiles.yml in"},
		{"env var next", layout{false, true, true, true}, false, true, "env", ""},
		{"env dir without file", layout{false, false, true, true}, false, true, "", "(from DBT_PROFILES_DIR)"},
		{"project dir next", layout{false, false, true, true}, false, false, "project", ""},
		{"home last", layout{false, false, false, true}, false, false, "home/.dbt", ""},
		{"nowhere", layout{}, false, false, "", "profiles.yml not found in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dirs := map[string]string{"flag": "flag", "env": "env", "project": "project", "home": "home/.dbt"}
			present := map[string]bool{"flag": tt.layout.flag, "env": tt.layout.env, "project": tt.layout.project, "home": tt.layout.home}
			for key, sub := range dirs {
				dir := filepath.Join(root, sub)
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if present[key] {
					writeProfiles(t, dir, strings.ReplaceAll(goodProfiles, "host: localhost", "host: "+key))
				}
			}
			env := map[string]string{"PGUSER": "u", "PGPASSWORD": secret}
			opts := ProfileOptions{Profile: "shop", ProjectDir: filepath.Join(root, "project"), HomeDir: filepath.Join(root, "home"), EnvVar: envOf(env)}
			if tt.flagDir {
				opts.ProfilesDir = filepath.Join(root, "flag")
			}
			if tt.envDir {
				env["DBT_PROFILES_DIR"] = filepath.Join(root, "env")
			}
			target, file, err := LoadProfile(opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(root, tt.want, "profiles.yml"); file != want {
				t.Errorf("file = %q, want %q", file, want)
			}
			if wantHost := strings.TrimSuffix(tt.want, "/.dbt"); target.Host != wantHost {
				t.Errorf("Host = %q, want %q", target.Host, wantHost)
			}
		})
	}
}

func TestProfileRendering(t *testing.T) {
	dir := writeProfiles(t, t.TempDir(), goodProfiles)
	tests := []struct {
		name string
		env  map[string]string
		vars map[string]any
		want Target
	}{
		{
			name: "defaults",
			env:  map[string]string{"PGUSER": "alice", "PGPASSWORD": secret},
			want: Target{Profile: "shop", Name: "dev", Type: "postgres", Host: "localhost", Port: 5432, User: "alice", Password: secret, DBName: "shop", Schema: "dbt_me", Threads: 4, SSLMode: "disable"},
		},
		{
			name: "port from env, var from --vars",
			env:  map[string]string{"PGUSER": "bob", "PGPASSWORD": secret, "PGPORT": "6543"},
			vars: map[string]any{"who": "bob"},
			want: Target{Profile: "shop", Name: "dev", Type: "postgres", Host: "localhost", Port: 6543, User: "bob", Password: secret, DBName: "shop", Schema: "dbt_bob", Threads: 4, SSLMode: "disable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// PROD_PASSWORD is unset: only the chosen output is rendered.
			got, _, err := LoadProfile(ProfileOptions{ProfilesDir: dir, Profile: "shop", Vars: tt.vars, EnvVar: envOf(tt.env)})
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("got  %+v\nwant %+v", fields(*got), fields(tt.want))
			}
		})
	}
	prod, _, err := LoadProfile(ProfileOptions{ProfilesDir: dir, Profile: "shop", Target: "prod", EnvVar: envOf(map[string]string{"PROD_PASSWORD": secret})})
	if err != nil {
		t.Fatal(err)
	}
	if prod.Password != secret || prod.DBName != "shop_prod" || prod.Port != 5432 || prod.Threads != 1 {
		t.Errorf("prod = %+v", fields(*prod))
	}
}

// fields prints a Target with its password, for test failures only.
func fields(t Target) string {
	type plain Target
	return fmt.Sprintf("%+v", plain(t))
}

func TestTargetStringHidesPassword(t *testing.T) {
	tg := Target{Profile: "shop", Name: "dev", Type: "postgres", Host: "h", Port: 5432, User: "u", Password: secret, DBName: "d", Schema: "s"}
	for _, s := range []string{tg.String(), fmt.Sprint(tg), fmt.Sprintf("%v %+v %#v", tg, &tg, tg)} {
		if strings.Contains(s, secret) {
			t.Errorf("password shown: %s", s)
		}
	}
	if want := "shop.dev (postgres u@h:5432/d, schema s)"; tg.String() != want {
		t.Errorf("String = %q, want %q", tg.String(), want)
	}
}

func TestProfileErrors(t *testing.T) {
	tests := []struct {
		name     string
		profiles string
		profile  string
		target   string
		env      map[string]string
		want     []string // substrings of the error, each with file:line
	}{
		{
			name:    "profile not found",
			profile: "shp", profiles: goodProfiles,
			want: []string{"profiles.yml: profile 'shp' not found (did you mean 'shop'? profiles: shop)"},
		},
		{
			name:    "target not found",
			profile: "shop", target: "prd", profiles: goodProfiles,
			want: []string{"profiles.yml:2: target 'prd' not found in profile 'shop' (did you mean 'prod'? outputs: dev, prod)"},
		},
		{
			name:     "profile target not found",
			profile:  "shop",
			profiles: "shop:\n  target: staging\n  outputs:\n    dev: {type: postgres}\n",
			want:     []string{"profiles.yml:2: target 'staging' not found in profile 'shop' (outputs: dev)"},
		},
		{
			name:     "no target",
			profile:  "shop",
			profiles: "shop:\n  outputs:\n    dev: {type: postgres}\n",
			want:     []string{"profiles.yml:1: profile 'shop' has no target: (add target: <output> to the profile, or pass --target; outputs: dev)"},
		},
		{
			name:    "missing fields, bad port, typo",
			profile: "shop",
			profiles: "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      hostname: x\n      password: " + secret +
				"\n      dbnme: d\n      port: 54x2\n",
			want: []string{
				"profiles.yml:4: output 'dev' has no host (found 'hostname'; did you mean 'host'?)",
				"profiles.yml:4: output 'dev' has no user (add user: to it)",
				"profiles.yml:4: output 'dev' has no dbname (found 'dbnme'; did you mean 'dbname'?)",
				"profiles.yml:4: output 'dev' has no schema",
				"profiles.yml:9: port must be an integer from 1 to 65535, got '54x2'",
			},
		},
		{
			name:     "duckdb without path",
			profile:  "shop",
			profiles: "shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, pth: dev.duckdb, threads: lots}\n",
			want: []string{
				"profiles.yml:4: output 'dev' has no path (found 'pth'; did you mean 'path'?)",
				"profiles.yml:4: threads must be an integer from 1 to 1024, got 'lots'",
			},
		},
		{
			name:     "snowflake",
			profile:  "shop",
			profiles: "shop:\n  target: dev\n  outputs:\n    dev: {type: snowflake, host: h, user: u, dbname: d, schema: s}\n",
			want:     []string{"profiles.yml:4: adapter type 'snowflake' is not supported (kiln supports postgres and duckdb)"},
		},
		{
			name:     "unset env var",
			profile:  "shop",
			profiles: "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      password: \"{{ env_var('PGPASSWORD') }}\"\n",
			want:     []string{"profiles.yml:6: env var 'PGPASSWORD' is not set"},
		},
		{
			name:     "password template hidden",
			profile:  "shop",
			profiles: "shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      password: \"ab{{" + secret + "\"\n",
			want:     []string{"profiles.yml:6: cannot render password"},
		},
		{
			name:     "broken YAML",
			profile:  "shop",
			profiles: "shop:\n  target: dev\n  outputs: [\n",
			want:     []string{"profiles.yml:3: invalid YAML"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProfiles(t, t.TempDir(), tt.profiles)
			_, _, err := LoadProfile(ProfileOptions{ProfilesDir: dir, Profile: tt.profile, Target: tt.target, EnvVar: envOf(tt.env)})
			if err == nil {
				t.Fatal("no error")
			}
			msg := strings.ReplaceAll(err.Error(), filepath.Join(dir, "profiles.yml"), "profiles.yml")
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error:\n%s\nwant it to contain\n%s", msg, w)
				}
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error shows the password:\n%s", msg)
			}
		})
	}
}

func TestDuckDBProfile(t *testing.T) {
	dir := writeProfiles(t, t.TempDir(), `
shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('DUCKDB_DIR', 'data') }}/shop.dev.duckdb"
      threads: 4
      extensions: [httpfs]
    ci:
      type: duckdb
      path: ":memory:"
      schema: analytics
`)
	got, _, err := LoadProfile(ProfileOptions{ProfilesDir: dir, Profile: "shop", EnvVar: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	want := Target{Profile: "shop", Name: "dev", Type: "duckdb", Path: "data/shop.dev.duckdb", DBName: "shop", Schema: "main", Threads: 4}
	if *got != want {
		t.Errorf("got  %+v\nwant %+v", fields(*got), fields(want))
	}
	if s := got.String(); s != "shop.dev (duckdb data/shop.dev.duckdb, schema main)" {
		t.Errorf("String = %q", s)
	}
	if m := got.Map(); m["path"] != "data/shop.dev.duckdb" || m["database"] != "shop" || m["type"] != "duckdb" || m["schema"] != "main" {
		t.Errorf("Map = %v", m)
	}
	ci, _, err := LoadProfile(ProfileOptions{ProfilesDir: dir, Profile: "shop", Target: "ci", EnvVar: envOf(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if ci.Path != ":memory:" || ci.DBName != "memory" || ci.Schema != "analytics" || ci.Threads != 1 {
		t.Errorf("ci = %+v", fields(*ci))
	}
}
