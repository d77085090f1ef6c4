package project

import (
	"errors"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
	"gopkg.in/yaml.v3"
)

const projectFile = "dbt_project.yml"

// projectKeys are the top-level keys of dbt_project.yml that dbt knows;
// kiln reads some and accepts the others.
var projectKeys = []string{
	"name", "version", "config-version", "profile",
	"model-paths", "source-paths", "macro-paths", "seed-paths", "data-paths",
	"test-paths", "analysis-paths", "snapshot-paths", "docs-paths",
	"asset-paths", "function-paths", "target-path", "log-path",
	"packages-install-path", "modules-path", "clean-targets",
	"require-dbt-version", "quoting", "on-run-start", "on-run-end",
	"dispatch", "query-comment", "restrict-access", "flags", "dbt-cloud",
	"vars", "models", "seeds", "snapshots", "sources", "tests", "data_tests",
	"unit_tests", "metrics", "semantic-models", "saved-queries", "exposures",
	"analyses", "functions",
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// readProjectFile reads dbt_project.yml into l.p. It reports false when
// nothing else can be loaded.
func (l *loader) readProjectFile() bool {
	data, err := fs.ReadFile(l.fsys, projectFile)
	if err != nil {
		d := diag.Errorf(projectFile, 0, "not found")
		d.Hint = "run kiln in a dbt project directory, or pass --project-dir"
		var pe *fs.PathError
		if !errors.Is(err, fs.ErrNotExist) && errors.As(err, &pe) {
			d.Message, d.Hint = "cannot read: "+pe.Err.Error(), ""
		}
		l.diags = append(l.diags, d)
		return false
	}
	root, err := parseYAML(projectFile, data)
	if err != nil {
		l.diags.Add(err)
		return false
	}
	if root == nil || root.Kind != yaml.MappingNode {
		l.diags = append(l.diags, diag.Errorf(projectFile, 1, "must be a mapping with at least name:"))
		return false
	}
	keys := map[string]pair{}
	for _, p := range pairs(root) {
		keys[p.Key] = p
		if !slices.Contains(projectKeys, p.Key) {
			d := diag.Warnf(projectFile, p.Line, "unknown key '%s'", p.Key)
			d.Hint = diag.Suggest(p.Key, projectKeys)
			l.diags = append(l.diags, d)
		}
	}
	if !l.readName(keys) {
		return false
	}
	l.p.Vars = l.projectVars(keys["vars"])
	l.r = newRenderer(l.opts.EnvVar, l.vars(), l.opts.Target)
	l.renderValues(projectFile, root, nil, skipProjectRender)

	if p, ok := keys["config-version"]; ok {
		if v, _ := stringValue(p.Value); v != "2" {
			d := diag.Errorf(projectFile, p.Line, "config-version %s is not supported", kindName(p.Value))
			d.Hint = "kiln reads config-version: 2 projects (dbt 0.17 and later)"
			l.diags = append(l.diags, d)
		}
	}
	l.p.ProfileName = l.stringKey(keys, "profile", "")
	l.p.TargetPath = l.stringKey(keys, "target-path", "target")
	l.p.ModelPaths = l.pathsKey(keys, []string{"models"}, "model-paths", "source-paths")
	l.p.MacroPaths = l.pathsKey(keys, []string{"macros"}, "macro-paths")
	l.p.SeedPaths = l.pathsKey(keys, []string{"seeds"}, "seed-paths", "data-paths")
	l.p.TestPaths = l.pathsKey(keys, []string{"tests"}, "test-paths")
	l.tree = l.parseModelsTree(keys["models"])
	l.seedTree = l.parseModelsTree(keys["seeds"]) // seeds.go
	l.p.OnRunStart = l.runHooks(keys, "on-run-start")
	l.p.OnRunEnd = l.runHooks(keys, "on-run-end")
	return true
}

// ReadProfileName reads only the profile: of dbt_project.yml, rendered
// without a target. It lets a caller find the profile, and so the target,
// before calling Load with LoadOptions.Target set, as dbt does. It returns
// "" when no profile is named; errors are diagnostics.
func ReadProfileName(fsys fs.FS, opts LoadOptions) (string, error) {
	data, err := fs.ReadFile(fsys, projectFile)
	if err != nil {
		return "", diag.Errorf(projectFile, 0, "cannot read: %s", pathErr(err))
	}
	root, err := parseYAML(projectFile, data)
	if err != nil {
		return "", err
	}
	for _, p := range pairs(root) {
		if p.Key != "profile" || isNull(p.Value) {
			continue
		}
		s, ok := stringValue(p.Value)
		if !ok {
			return "", diag.Errorf(projectFile, p.Line, "profile must be a string, got %s", kindName(p.Value))
		}
		if !needsRender(s) {
			return s, nil
		}
		s, d := newRenderer(opts.EnvVar, opts.Vars, nil).render(projectFile, p.Line, s)
		if d != nil {
			return "", d
		}
		return s, nil
	}
	return "", nil
}

// readName reads name:, which everything else depends on.
func (l *loader) readName(keys map[string]pair) bool {
	p, ok := keys["name"]
	if !ok {
		d := diag.Errorf(projectFile, 1, "name is missing")
		d.Hint = "every dbt project needs a name, e.g. name: my_project"
		l.diags = append(l.diags, d)
		return false
	}
	name, ok := stringValue(p.Value)
	if ok && needsRender(name) {
		r := newRenderer(l.opts.EnvVar, l.opts.Vars, l.opts.Target)
		var d *diag.Diagnostic
		if name, d = r.render(projectFile, p.Line, name); d != nil {
			l.diags = append(l.diags, d)
			return false
		}
	}
	if !ok || !identifier.MatchString(name) {
		d := diag.Errorf(projectFile, p.Line, "project name %s is not valid", kindName(p.Value))
		d.Hint = "use letters, digits and underscores, not starting with a digit"
		l.diags = append(l.diags, d)
		return false
	}
	l.p.Name = name
	return true
}

// projectVars reads vars:. Global vars apply to every package; a key naming
// this project holds vars scoped to it, which win over the global ones.
// Keys naming other packages are kept as they are: kiln loads no packages.
func (l *loader) projectVars(p pair) map[string]any {
	vars := map[string]any{}
	if p.Value == nil || isNull(p.Value) {
		return vars
	}
	if !isMap(p.Value) {
		l.diags = append(l.diags, diag.Errorf(projectFile, p.Line, "vars must be a mapping, got %s", kindName(p.Value)))
		return vars
	}
	var scoped map[string]any
	for _, kv := range pairs(p.Value) {
		v := value(kv.Value)
		if kv.Key == l.p.Name {
			if m, ok := v.(map[string]any); ok {
				scoped = m
				continue
			}
		}
		vars[kv.Key] = v
	}
	for k, v := range scoped {
		vars[k] = v
	}
	return vars
}

// skipProjectRender says which values of dbt_project.yml dbt leaves
// unrendered at load time: run hooks, the query comment, vars, and model
// hooks.
func skipProjectRender(keypath []string) bool {
	switch keypath[0] {
	case "on-run-start", "on-run-end", "query-comment", "vars":
		return true
	}
	return isHookKey(keypath[len(keypath)-1])
}

func isHookKey(k string) bool {
	k = normalizeKey(k)
	return k == "pre_hook" || k == "post_hook"
}

// stringKey reads an optional string key.
func (l *loader) stringKey(keys map[string]pair, key, def string) string {
	p, ok := keys[key]
	if !ok || isNull(p.Value) {
		return def
	}
	s, ok := stringValue(p.Value)
	if !ok {
		l.diags = append(l.diags, diag.Errorf(projectFile, p.Line, "%s must be a string, got %s", key, kindName(p.Value)))
		return def
	}
	return s
}

// pathsKey reads a list of directories under the first of names present
// (the current key, then its legacy spelling).
func (l *loader) pathsKey(keys map[string]pair, def []string, names ...string) []string {
	for _, key := range names {
		p, ok := keys[key]
		if !ok || isNull(p.Value) {
			continue
		}
		list, ok := stringList(p.Value)
		if !ok {
			l.diags = append(l.diags, diag.Errorf(projectFile, p.Line, "%s must be a list of directories, got %s", key, kindName(p.Value)))
			return def
		}
		out := make([]string, 0, len(list))
		for _, s := range list {
			clean := path.Clean(strings.ReplaceAll(s, "\\", "/"))
			if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
				d := diag.Errorf(projectFile, p.Line, "%s entry '%s' is outside the project", key, s)
				d.Hint = "kiln reads only directories inside the project directory"
				l.diags = append(l.diags, d)
				continue
			}
			if !slices.Contains(out, clean) {
				out = append(out, clean)
			}
		}
		return out
	}
	return def
}
