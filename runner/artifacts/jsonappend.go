package artifacts

import (
	"sort"

	"github.com/kiln-dev/kiln/internal/jsonenc"
)

// The manifest is most of what a compile writes: one node per model and
// test, tens of thousands of them. ManifestNode is encoded by hand, byte
// for byte as json.Marshal encodes it (TestAppendNodeIsMarshal compares
// the two), with package jsonenc.

// appendJSON appends n as json.Marshal encodes it.
func (n *ManifestNode) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, f := range [...]struct{ key, value string }{
		{"unique_id", n.UniqueID}, {"resource_type", n.ResourceType}, {"package_name", n.PackageName},
		{"name", n.Name}, {"path", n.Path}, {"original_file_path", n.OriginalFilePath},
	} {
		b = jsonenc.AppendString(jsonenc.AppendKey(b, f.key, i == 0), f.value)
	}
	b = jsonenc.AppendStrings(jsonenc.AppendKey(b, "fqn", false), n.FQN)
	for _, f := range [...]struct{ key, value string }{
		{"database", n.Database}, {"schema", n.Schema}, {"alias", n.Alias}, {"relation_name", n.RelationName},
	} {
		b = jsonenc.AppendString(jsonenc.AppendKey(b, f.key, false), f.value)
	}
	var err error
	if n.Config == nil {
		b = append(jsonenc.AppendKey(b, "config", false), "null"...)
	} else if b, err = jsonenc.AppendValue(jsonenc.AppendKey(b, "config", false), n.Config); err != nil {
		return b, err
	}
	b = jsonenc.AppendStrings(jsonenc.AppendKey(b, "tags", false), n.Tags)
	b = jsonenc.AppendString(jsonenc.AppendKey(b, "description", false), n.Description)
	b = appendColumns(jsonenc.AppendKey(b, "columns", false), n.Columns)
	b = append(jsonenc.AppendKey(b, "depends_on", false), '{')
	b = jsonenc.AppendStrings(jsonenc.AppendKey(b, "nodes", true), n.DependsOn.Nodes)
	b = jsonenc.AppendStrings(jsonenc.AppendKey(b, "macros", false), n.DependsOn.Macros)
	b = append(b, '}')
	b = jsonenc.AppendString(jsonenc.AppendKey(b, "raw_code", false), n.RawCode)
	for _, f := range [...]struct{ key, value string }{
		{"compiled_path", n.CompiledPath}, {"compiled_code", n.CompiledCode}, {"patch_path", n.PatchPath},
	} {
		if f.value != "" {
			b = jsonenc.AppendString(jsonenc.AppendKey(b, f.key, false), f.value)
		}
	}
	if k := n.Kiln; k != nil {
		b = append(jsonenc.AppendKey(b, "kiln", false), '{')
		b = jsonenc.AppendString(jsonenc.AppendKey(b, "fingerprint", true), k.Fingerprint)
		b = jsonenc.AppendStrings(jsonenc.AppendKey(b, "vars", false), k.Vars)
		b = jsonenc.AppendStrings(jsonenc.AppendKey(b, "env_vars", false), k.EnvVars)
		b = jsonenc.AppendStrings(jsonenc.AppendKey(b, "macros", false), k.Macros)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

func appendColumns(b []byte, cols map[string]Column) []byte {
	if cols == nil {
		return append(b, "null"...)
	}
	names := make([]string, 0, len(cols))
	for name := range cols {
		names = append(names, name)
	}
	sort.Strings(names)
	b = append(b, '{')
	for i, name := range names {
		c := cols[name]
		b = append(jsonenc.AppendKey(b, name, i == 0), '{')
		b = jsonenc.AppendString(jsonenc.AppendKey(b, "name", true), c.Name)
		b = jsonenc.AppendString(jsonenc.AppendKey(b, "description", false), c.Description)
		if c.DataType != "" {
			b = jsonenc.AppendString(jsonenc.AppendKey(b, "data_type", false), c.DataType)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}
