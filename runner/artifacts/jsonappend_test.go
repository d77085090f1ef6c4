package artifacts

import (
	"encoding/json"
	"testing"
)

// TestAppendNodeIsMarshal checks the hand-written encoder against
// json.Marshal on nodes with every field set, empty and nil, and config
// values of every type YAML and Jinja give, and some they do not.
func TestAppendNodeIsMarshal(t *testing.T) {
	// Strings that need escaping in every field (package jsonenc tests the
	// escaping itself).
	tricky := []string{"", `q " b \ `, "<&>", "\n\t\x00", "\u2028", "bad \xff utf8", "日本"}
	nodes := []ManifestNode{
		{},
		{
			UniqueID: "model.p.a", ResourceType: "model", PackageName: "p", Name: "a", Path: "a.sql",
			OriginalFilePath: "models/a.sql", FQN: []string{"p", "a"}, Database: "db", Schema: "s",
			Alias: "a", RelationName: `"db"."s"."a"`,
			Config: map[string]any{
				"materialized": "table", "enabled": true, "n": 3, "big": int64(1) << 40, "f": 2.5,
				"tiny": 1e-9, "huge": 1e21, "nil": nil, "tags": []any{"x", 1, false, nil, []any{}},
				"meta":    map[string]any{"z": map[string]any{}, "a": []string{"<&>"}, "nested": map[string]any{"k": []any{1.0}}},
				"strings": []string{}, "nil list": []any(nil), "nil map": map[string]any(nil),
				"other map": map[string]string{"k": "v"}, "uint": uint8(7), "float32": float32(0.1),
			},
			Tags: []string{}, Description: "<b>bold</b>",
			Columns:   map[string]Column{"b": {Name: "b", DataType: "int"}, "a": {Name: "a", Description: "x"}},
			DependsOn: DependsOn{Nodes: []string{"model.p.b"}, Macros: []string{}},
			RawCode:   "select '<&>' as \"x\"\n", CompiledPath: "target/compiled/p/a.sql", CompiledCode: "select 1",
			PatchPath: "p://models/a.yml",
			Kiln:      &KilnNode{Fingerprint: "f", Vars: []string{"v"}, EnvVars: nil, Macros: []string{}},
		},
		{Config: map[string]any{}, Columns: map[string]Column{}, Kiln: &KilnNode{}},
	}
	for i, s := range tricky {
		nodes = append(nodes, ManifestNode{
			UniqueID: s, Name: s, FQN: []string{s, s}, RawCode: s, Description: s, CompiledCode: s,
			Config:  map[string]any{s: s, "list": []any{s}},
			Columns: map[string]Column{s: {Name: s, Description: s, DataType: s}},
			Tags:    tricky[:i],
		})
	}
	for i := range nodes {
		want, err := json.Marshal(&nodes[i])
		if err != nil {
			t.Fatal(err)
		}
		got, err := nodes[i].appendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("node %d:\n got %s\nwant %s", i, got, want)
		}
	}
	// A value json.Marshal refuses is an error here too.
	bad := ManifestNode{Config: map[string]any{"c": make(chan int)}}
	if _, err := bad.appendJSON(nil); err == nil {
		t.Error("a config value json.Marshal refuses was encoded")
	}
}
