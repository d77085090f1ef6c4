package project

import (
	"fmt"
	"os"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
	"gopkg.in/yaml.v3"
)

// ProfileOptions say where to look for profiles.yml and what to take from it.
type ProfileOptions struct {
	ProfilesDir string // --profiles-dir; profiles.yml must be there
	ProjectDir  string // searched when neither --profiles-dir nor DBT_PROFILES_DIR is set
	Profile     string // profile: of dbt_project.yml
	Target      string // --target; "" means the profile's target:
	Vars        map[string]any
	EnvVar      func(string) (string, bool) // nil reads the process environment
	HomeDir     string                      // "" means the user's home directory
}

// Target is the connection a run uses: one output of a profile. Its
// String method never shows the password; print Targets only through it.
type Target struct {
	Profile, Name, Type, Host string
	Port                      int
	User, Password            string
	DBName, Schema            string
	Threads                   int
	SSLMode                   string
	SSLCert, SSLKey           string
	SSLRootCert               string
	KeepalivesIdle            int // seconds; 0 leaves the driver default
	ConnectTimeout            int // seconds; 0 leaves the driver default
	SearchPath                string
	Role                      string
	// Path is the database file of a duckdb target, as the profile gives
	// it: a relative path is relative to the working directory kiln runs
	// in (as in dbt-duckdb), not to the project or the profiles.yml. The
	// file is created if missing; ":memory:" is a database that lasts for
	// the run. DBName is then DuckDB's name for the database: the file
	// name up to its first dot.
	Path string
}

// String describes the target without its password.
func (t Target) String() string {
	if t.Type == "duckdb" {
		return fmt.Sprintf("%s.%s (duckdb %s, schema %s)", t.Profile, t.Name, t.Path, t.Schema)
	}
	return fmt.Sprintf("%s.%s (%s %s@%s:%d/%s, schema %s)", t.Profile, t.Name, t.Type, t.User, t.Host, t.Port, t.DBName, t.Schema)
}

// GoString is String, so that %#v does not print the password either.
func (t Target) GoString() string { return t.String() }

// Map is the target variable of templates (target.name, target.schema,
// ...), as jinja.Context.Target and LoadOptions.Target expect. Like dbt,
// it leaves out the password.
func (t Target) Map() map[string]any {
	m := map[string]any{
		"profile_name": t.Profile,
		"name":         t.Name,
		"target_name":  t.Name,
		"type":         t.Type,
		"host":         t.Host,
		"port":         t.Port,
		"user":         t.User,
		"dbname":       t.DBName,
		"database":     t.DBName,
		"schema":       t.Schema,
		"threads":      t.Threads,
	}
	if t.Type == "duckdb" {
		m["path"] = t.Path
	}
	return m
}

// outputKeys are the keys of a postgres output.
var outputKeys = []string{
	"type", "host", "port", "user", "password", "pass", "dbname", "database",
	"schema", "threads", "sslmode", "sslcert", "sslkey", "sslrootcert",
	"keepalives_idle", "connect_timeout", "search_path", "role", "retries",
	"application_name",
}

// duckdbKeys are the keys of a duckdb output that kiln reads. dbt-duckdb's
// others (extensions, settings, attach, plugins, ...) are not read.
var duckdbKeys = []string{"type", "path", "schema", "threads"}

// LoadProfile finds profiles.yml, renders the Jinja in the chosen output
// (env_var(), var()), and reads the target. It returns the path of the
// profiles.yml it used. Errors are diagnostics naming the file and line;
// none of them shows the password.
func LoadProfile(opts ProfileOptions) (*Target, string, error) {
	envVar := opts.EnvVar
	if envVar == nil {
		envVar = os.LookupEnv
	}
	file, err := findProfiles(opts, envVar)
	if err != nil {
		return nil, "", err
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, file, diag.Errorf(file, 0, "cannot read: %s", pathErr(err))
	}
	root, err := parseYAML(file, data)
	if err != nil {
		return nil, file, err
	}
	if root == nil || root.Kind != yaml.MappingNode {
		return nil, file, diag.Errorf(file, 1, "profiles.yml must be a mapping of profile names to profiles")
	}
	out, err := selectOutput(file, root, opts, newRenderer(envVar, opts.Vars, nil))
	if err != nil {
		return nil, file, err
	}
	t, err := readOutput(file, out, opts.Profile)
	return t, file, err
}

// selectOutput finds the output of the chosen profile and target and
// renders its values.
func selectOutput(file string, root *yaml.Node, opts ProfileOptions, r *renderer) (pair, error) {
	if opts.Profile == "" {
		d := diag.Errorf(projectFile, 0, "no profile is named")
		d.Hint = "add profile: <name> to dbt_project.yml"
		return pair{}, d
	}
	var names []string
	var profile pair
	for _, p := range pairs(root) {
		if p.Key == "config" {
			continue // global settings of old dbt versions
		}
		names = append(names, p.Key)
		if p.Key == opts.Profile {
			profile = p
		}
	}
	if profile.Value == nil {
		d := diag.Errorf(file, 0, "profile '%s' not found", opts.Profile)
		d.Hint = available(opts.Profile, names, "profiles")
		return pair{}, d
	}
	if !isMap(profile.Value) {
		return pair{}, diag.Errorf(file, profile.Line, "profile '%s' must be a mapping with target: and outputs:", profile.Key)
	}
	var target, outputs pair
	for _, p := range pairs(profile.Value) {
		switch p.Key {
		case "target":
			target = p
		case "outputs":
			outputs = p
		}
	}
	if !isMap(outputs.Value) {
		d := diag.Errorf(file, profile.Line, "profile '%s' has no outputs:", profile.Key)
		d.Hint = "add outputs: with one entry per target, e.g. dev:"
		return pair{}, d
	}
	var outNames []string
	for _, p := range pairs(outputs.Value) {
		outNames = append(outNames, p.Key)
	}
	name, line := opts.Target, profile.Line
	if name == "" && target.Value != nil {
		s, ok := stringValue(target.Value)
		if !ok {
			return pair{}, diag.Errorf(file, target.Line, "target must be the name of an output, got %s", kindName(target.Value))
		}
		if needsRender(s) {
			var d *diag.Diagnostic
			if s, d = r.render(file, target.Line, s); d != nil {
				return pair{}, d
			}
		}
		name, line = s, target.Line
	}
	if name == "" {
		d := diag.Errorf(file, profile.Line, "profile '%s' has no target:", profile.Key)
		d.Hint = "add target: <output> to the profile, or pass --target; outputs: " + strings.Join(outNames, ", ")
		return pair{}, d
	}
	for _, p := range pairs(outputs.Value) {
		if p.Key != name {
			continue
		}
		if !isMap(p.Value) {
			return pair{}, diag.Errorf(file, p.Line, "output '%s' must be a mapping with type:, host:, ...", p.Key)
		}
		if err := renderOutput(file, p.Value, r); err != nil {
			return pair{}, err
		}
		return p, nil
	}
	d := diag.Errorf(file, line, "target '%s' not found in profile '%s'", name, profile.Key)
	d.Hint = available(name, outNames, "outputs")
	return pair{}, d
}

// available hints at the closest name and lists all of them.
func available(name string, names []string, what string) string {
	if len(names) == 0 {
		return "there are no " + what
	}
	list := what + ": " + strings.Join(names, ", ")
	if s := diag.Suggest(name, names); s != "" {
		return s + " " + list
	}
	return list
}

// renderOutput renders the Jinja in an output's values, in place.
func renderOutput(file string, out *yaml.Node, r *renderer) error {
	var errs diag.List
	for _, p := range pairs(out) {
		n := deref(p.Value)
		if n.Kind != yaml.ScalarNode || !needsRender(n.Value) {
			continue
		}
		s, d := r.render(file, p.Line, n.Value)
		if d != nil {
			if isSecret(p.Key) && !envVarOnly.MatchString(n.Value) {
				d = diag.Errorf(file, p.Line, "cannot render %s", p.Key)
				d.Hint = "kiln does not print passwords; check the template of this value"
			}
			errs = append(errs, d)
			continue
		}
		n.Value, n.Tag, n.Style = s, "!!str", 0
	}
	return errs.Err()
}

func isSecret(key string) bool { return key == "password" || key == "pass" }
