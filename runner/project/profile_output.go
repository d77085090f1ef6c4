package project

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
)

// envVarOnly matches a value that is just a reference to an environment
// variable, whose render errors name the variable and not a secret.
var envVarOnly = regexp.MustCompile(`^\s*\{\{-?\s*env_var\(\s*['"][A-Za-z0-9_]+['"]\s*\)\s*-?\}\}\s*$`)

// findProfiles returns the profiles.yml to use: the one in --profiles-dir,
// else in $DBT_PROFILES_DIR, else in the project directory, else in
// ~/.dbt.
func findProfiles(opts ProfileOptions, envVar func(string) (string, bool)) (string, error) {
	explicit := func(dir, from string) (string, error) {
		file := filepath.Join(dir, "profiles.yml")
		if isFile(file) {
			return file, nil
		}
		d := diag.Errorf("", 0, "no profiles.yml in %s (from %s)", dir, from)
		d.Hint = "create it there, or point " + from + " at the directory that holds profiles.yml"
		return "", d
	}
	if opts.ProfilesDir != "" {
		return explicit(opts.ProfilesDir, "--profiles-dir")
	}
	if dir, ok := envVar("DBT_PROFILES_DIR"); ok && dir != "" {
		return explicit(dir, "DBT_PROFILES_DIR")
	}
	var looked []string
	if opts.ProjectDir != "" {
		file := filepath.Join(opts.ProjectDir, "profiles.yml")
		if isFile(file) {
			return file, nil
		}
		looked = append(looked, opts.ProjectDir)
	}
	home := opts.HomeDir
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home != "" {
		dir := filepath.Join(home, ".dbt")
		file := filepath.Join(dir, "profiles.yml")
		if isFile(file) {
			return file, nil
		}
		looked = append(looked, dir)
	}
	d := diag.Errorf("", 0, "profiles.yml not found in %s", strings.Join(looked, " or "))
	d.Hint = "create ~/.dbt/profiles.yml, or pass --profiles-dir"
	return "", d
}

// isFile reports whether name exists and is not a directory. A file that
// exists but cannot be examined counts, so that reading it reports why.
func isFile(name string) bool {
	info, err := os.Stat(name)
	if err != nil {
		return !errors.Is(err, fs.ErrNotExist)
	}
	return !info.IsDir()
}

// readOutput reads a rendered postgres or duckdb output into a Target,
// reporting every problem at once. Messages show no password.
func readOutput(file string, out pair, profile string) (*Target, error) {
	t := &Target{Profile: profile, Name: out.Key, Port: 5432, Threads: 1}
	fields := map[string]pair{}
	known := outputKeys
	for _, p := range pairs(out.Value) {
		fields[p.Key] = p
		if p.Key == "type" {
			if s, ok := stringValue(p.Value); ok && s == "duckdb" {
				known = duckdbKeys
			}
		}
	}
	var unknown []string
	for _, p := range pairs(out.Value) {
		if !slices.Contains(known, p.Key) {
			unknown = append(unknown, p.Key)
		}
	}
	var errs diag.List
	text := func(keys ...string) (string, int) {
		for _, k := range keys {
			p, ok := fields[k]
			if !ok || isNull(p.Value) {
				continue
			}
			s, ok := stringValue(p.Value)
			if !ok {
				errs = append(errs, diag.Errorf(file, p.Line, "%s must be a single value, got %s", k, kindName(p.Value)))
			}
			return s, p.Line
		}
		return "", 0
	}
	required := func(dst *string, keys ...string) {
		if *dst, _ = text(keys...); *dst != "" {
			return
		}
		d := diag.Errorf(file, out.Line, "output '%s' has no %s", out.Key, keys[0])
		d.Hint = "add " + keys[0] + ": to it"
		for _, u := range unknown {
			hint := diag.Suggest(u, keys)
			if hint == "" && strings.HasPrefix(u, keys[0]) {
				hint = "did you mean '" + keys[0] + "'?"
			}
			if hint != "" {
				d.Hint = "found '" + u + "'; " + hint
			}
		}
		errs = append(errs, d)
	}
	number := func(dst *int, key string, lo, hi int) {
		s, line := text(key)
		if line == 0 {
			return
		}
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < lo || n > hi {
			d := diag.Errorf(file, line, "%s must be an integer from %d to %d, got '%s'", key, lo, hi, s)
			if strings.Contains(s, "{{") {
				d.Hint = "quote the template: " + key + ": \"{{ ... | int }}\""
			}
			errs = append(errs, d)
			return
		}
		*dst = n
	}

	if typ, line := text("type"); line == 0 {
		d := diag.Errorf(file, out.Line, "output '%s' has no type", out.Key)
		d.Hint = "add type: postgres or type: duckdb"
		errs = append(errs, d)
	} else if t.Type = typ; typ == "duckdb" {
		readDuckDB(t, text, required, number)
		if err := errs.Err(); err != nil {
			return nil, err
		}
		return t, nil
	} else if typ != "postgres" {
		d := diag.Errorf(file, line, "adapter type '%s' is not supported", typ)
		d.Hint = "kiln supports postgres and duckdb"
		errs = append(errs, d)
	}
	required(&t.Host, "host")
	required(&t.User, "user")
	required(&t.DBName, "dbname", "database")
	required(&t.Schema, "schema")
	t.Password, _ = text("password", "pass")
	number(&t.Port, "port", 1, 65535)
	number(&t.Threads, "threads", 1, 1024)
	number(&t.KeepalivesIdle, "keepalives_idle", 0, 1<<30)
	number(&t.ConnectTimeout, "connect_timeout", 0, 1<<30)
	t.SSLMode, _ = text("sslmode")
	t.SSLCert, _ = text("sslcert")
	t.SSLKey, _ = text("sslkey")
	t.SSLRootCert, _ = text("sslrootcert")
	t.SearchPath, _ = text("search_path")
	t.Role, _ = text("role")
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// readDuckDB reads the rest of a duckdb output with readOutput's readers,
// which collect the problems: path (required), schema (default main) and
// threads. No host, user or password.
func readDuckDB(t *Target, text func(...string) (string, int), required func(*string, ...string),
	number func(*int, string, int, int)) {
	t.Port = 0
	required(&t.Path, "path")
	if t.Schema, _ = text("schema"); t.Schema == "" {
		t.Schema = "main"
	}
	number(&t.Threads, "threads", 1, 1024)
	t.DBName = duckdbName(t.Path)
}

// duckdbName is the name DuckDB gives the database in a file: the file's
// name up to its first dot ("dev" for dev.duckdb), or "memory".
func duckdbName(path string) string {
	if path == ":memory:" || path == "" {
		return "memory"
	}
	name := filepath.Base(path)
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return name
}
