package project

import (
	"slices"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
)

// configTree is one level of the models: tree of dbt_project.yml: the
// configs written at that level and the folders (or model names) below it.
type configTree struct {
	line     int
	config   Config
	children map[string]*configTree
	used     bool // some model lies at or below this level
}

// parseModelsTree reads models: (and seeds:, which has the same shape). Its
// top level may hold configs for every node; below it, only the key naming
// this project is read: configs for other packages do not apply, as kiln
// loads no packages.
func (l *loader) parseModelsTree(p pair) *configTree {
	root := &configTree{line: p.Line, config: Config{}, children: map[string]*configTree{}}
	if p.Value == nil || isNull(p.Value) {
		return root
	}
	if !isMap(p.Value) {
		l.diags = append(l.diags, diag.Errorf(projectFile, p.Line, "%s must be a mapping, got %s", p.Key, kindName(p.Value)))
		return root
	}
	for _, kv := range pairs(p.Value) {
		if isConfigEntry(kv) {
			l.addTreeConfig(root, kv)
		} else if kv.Key == l.p.Name {
			root.children[kv.Key] = l.parseTreeLevel(kv)
		}
	}
	return root
}

// parseTreeLevel reads one folder level of the models: tree.
func (l *loader) parseTreeLevel(p pair) *configTree {
	t := &configTree{line: p.Line, config: Config{}, children: map[string]*configTree{}}
	for _, kv := range pairs(p.Value) {
		if isConfigEntry(kv) {
			l.addTreeConfig(t, kv)
			continue
		}
		t.children[kv.Key] = l.parseTreeLevel(kv)
	}
	return t
}

// isConfigEntry tells configs from folders: a '+' key is a config; so is a
// known config key, unless its value is a mapping of '+' keys (then it is
// a folder that happens to share the name); so is any key whose value is
// not a mapping, as in dbt. A null value is an empty folder.
func isConfigEntry(p pair) bool {
	if strings.HasPrefix(strings.TrimSpace(p.Key), "+") {
		return true
	}
	if isNull(p.Value) {
		return false
	}
	if !isMap(p.Value) {
		return true
	}
	if !isConfigKey(normalizeKey(p.Key)) {
		return false
	}
	for _, kv := range pairs(p.Value) {
		if strings.HasPrefix(kv.Key, "+") {
			return false
		}
	}
	return true
}

func (l *loader) addTreeConfig(t *configTree, p pair) {
	k := normalizeKey(p.Key)
	c := Config{k: value(p.Value)}
	l.diags = append(l.diags, CheckConfig(c, projectFile, p.Line)...)
	l.diags = append(l.diags, checkSeedConfig(c, projectFile, p.Line)...) // seeds.go
	t.config = t.config.Merge(c)
}

// configFor merges the configs on the path of fqn, least specific first,
// and marks the levels it passes as used.
func (t *configTree) configFor(fqn []string) Config {
	cfg := Config{}.Merge(t.config)
	node := t
	for _, part := range fqn {
		child := node.children[part]
		if child == nil {
			break
		}
		child.used = true
		cfg = cfg.Merge(child.config)
		node = child
	}
	return cfg
}

// configsFor is configFor of each of fqns. The folders' part of the walk
// is done once per folder: a project has thousands of models in tens of
// folders.
func (t *configTree) configsFor(fqns [][]string) []Config {
	type folder struct {
		cfg   Config
		node  *configTree // the deepest level reached
		whole bool        // every folder of the path has a level
	}
	folders := map[string]folder{}
	out := make([]Config, len(fqns))
	for i, fqn := range fqns {
		if len(fqn) == 0 {
			out[i] = t.configFor(fqn)
			continue
		}
		dirs, name := fqn[:len(fqn)-1], fqn[len(fqn)-1]
		key := strings.Join(dirs, "/") // folder names hold no slash
		f, ok := folders[key]
		if !ok {
			f = folder{cfg: Config{}.Merge(t.config), node: t, whole: true}
			for _, part := range dirs {
				child := f.node.children[part]
				if child == nil {
					f.whole = false
					break
				}
				child.used = true
				f.cfg = f.cfg.Merge(child.config)
				f.node = child
			}
			folders[key] = f
		}
		if child := f.node.children[name]; f.whole && child != nil {
			child.used = true
			out[i] = f.cfg.Merge(child.config)
		} else {
			out[i] = f.cfg.Merge(nil) // each model has a map of its own
		}
	}
	return out
}

// applyFolderConfigs gives every model its folder config and warns about
// paths of the models: tree that match no model.
func (l *loader) applyFolderConfigs() {
	fqns := make([][]string, len(l.p.Models))
	for i, m := range l.p.Models {
		fqns[i] = m.FQN
	}
	for i, cfg := range l.tree.configsFor(fqns) {
		l.p.Models[i].Config = cfg
	}
	l.warnUnusedTree(l.tree, "models", fqns)
}

// warnUnusedTree warns about the paths below this project of tree, the
// models: or seeds: tree (key), that match none of fqns, the FQNs of its
// nodes; configFor must have been called for each of them.
func (l *loader) warnUnusedTree(tree *configTree, key string, fqns [][]string) {
	proj := tree.children[l.p.Name]
	if proj == nil {
		return
	}
	proj.used = true
	l.warnUnused(proj, []string{l.p.Name}, key, fqns)
}

// warnUnused warns about the topmost unused levels below t, which sits at
// path (an FQN prefix), with a hint naming the closest existing folder or
// node.
func (l *loader) warnUnused(t *configTree, path []string, key string, fqns [][]string) {
	names := make([]string, 0, len(t.children))
	for name := range t.children {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		child := t.children[name]
		childPath := append(path[:len(path):len(path)], name)
		if child.used {
			l.warnUnused(child, childPath, key, fqns)
			continue
		}
		d := diag.Warnf(projectFile, child.line, "%s.%s matches no %s", key, strings.Join(childPath, "."), strings.TrimSuffix(key, "s"))
		d.Hint = diag.Suggest(name, namesBelow(path, fqns))
		l.diags = append(l.diags, d)
	}
}

// namesBelow lists the folder or node names that follow prefix in fqns.
func namesBelow(prefix []string, fqns [][]string) []string {
	var out []string
	for _, fqn := range fqns {
		if len(fqn) > len(prefix) && slices.Equal(fqn[:len(prefix)], prefix) {
			if name := fqn[len(prefix)]; !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	return out
}
