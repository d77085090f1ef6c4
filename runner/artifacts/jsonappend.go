package artifacts

import (
	"encoding/json"
	"sort"
	"strconv"
	"unicode/utf8"
)

// The manifest is most of what a compile writes: one node per model and
// test, tens of thousands of them. encoding/json spends most of its time
// there on reflection, so ManifestNode is encoded by hand below, byte for
// byte as json.Marshal encodes it (TestAppendNodeIsMarshal compares the
// two); values of unusual types inside config fall back to json.Marshal.

// safeASCII has a 1 at each ASCII byte json.Marshal writes as it is.
const safeASCII = "00000000000000000000000000000000110111011111111111111111111101011111111111111111111111111111011111111111111111111111111111111111"

// appendJSONString appends s as a JSON string as json.Marshal writes it:
// HTML-sensitive characters, control characters, U+2028 and U+2029 are
// escaped, and each byte of invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	plain := 0 // start of the bytes not yet copied
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safeASCII[c] == '1' {
				i++
				continue
			}
			b = append(b, s[plain:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, `\b`...)
			case '\f':
				b = append(b, `\f`...)
			case '\n':
				b = append(b, `\n`...)
			case '\r':
				b = append(b, `\r`...)
			case '\t':
				b = append(b, `\t`...)
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			plain = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[plain:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[plain:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		plain = i
	}
	return append(append(b, s[plain:]...), '"')
}

// appendStrings appends a list of strings; null when nil.
func appendStrings(b []byte, list []string) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

// appendKey appends "key": after a comma unless first.
func appendKey(b []byte, key string, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	return append(appendJSONString(b, key), ':')
}

// appendAny appends v as json.Marshal would, by hand for the types YAML
// and Jinja give config values, through json.Marshal for any other.
func appendAny(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case []string:
		return appendStrings(b, x), nil
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendAny(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			b = appendKey(b, k, i == 0)
			var err error
			if b, err = appendAny(b, x[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	data, err := json.Marshal(v)
	return append(b, data...), err
}

// appendJSON appends n as json.Marshal encodes it.
func (n *ManifestNode) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, f := range [...]struct{ key, value string }{
		{"unique_id", n.UniqueID}, {"resource_type", n.ResourceType}, {"package_name", n.PackageName},
		{"name", n.Name}, {"path", n.Path}, {"original_file_path", n.OriginalFilePath},
	} {
		b = appendJSONString(appendKey(b, f.key, i == 0), f.value)
	}
	b = appendStrings(appendKey(b, "fqn", false), n.FQN)
	for _, f := range [...]struct{ key, value string }{
		{"database", n.Database}, {"schema", n.Schema}, {"alias", n.Alias}, {"relation_name", n.RelationName},
	} {
		b = appendJSONString(appendKey(b, f.key, false), f.value)
	}
	var err error
	if n.Config == nil {
		b = append(appendKey(b, "config", false), "null"...)
	} else if b, err = appendAny(appendKey(b, "config", false), n.Config); err != nil {
		return b, err
	}
	b = appendStrings(appendKey(b, "tags", false), n.Tags)
	b = appendJSONString(appendKey(b, "description", false), n.Description)
	b = appendColumns(appendKey(b, "columns", false), n.Columns)
	b = append(appendKey(b, "depends_on", false), '{')
	b = appendStrings(appendKey(b, "nodes", true), n.DependsOn.Nodes)
	b = appendStrings(appendKey(b, "macros", false), n.DependsOn.Macros)
	b = append(b, '}')
	b = appendJSONString(appendKey(b, "raw_code", false), n.RawCode)
	for _, f := range [...]struct{ key, value string }{
		{"compiled_path", n.CompiledPath}, {"compiled_code", n.CompiledCode}, {"patch_path", n.PatchPath},
	} {
		if f.value != "" {
			b = appendJSONString(appendKey(b, f.key, false), f.value)
		}
	}
	if k := n.Kiln; k != nil {
		b = append(appendKey(b, "kiln", false), '{')
		b = appendJSONString(appendKey(b, "fingerprint", true), k.Fingerprint)
		b = appendStrings(appendKey(b, "vars", false), k.Vars)
		b = appendStrings(appendKey(b, "env_vars", false), k.EnvVars)
		b = appendStrings(appendKey(b, "macros", false), k.Macros)
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
		b = append(appendKey(b, name, i == 0), '{')
		b = appendJSONString(appendKey(b, "name", true), c.Name)
		b = appendJSONString(appendKey(b, "description", false), c.Description)
		if c.DataType != "" {
			b = appendJSONString(appendKey(b, "data_type", false), c.DataType)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}
