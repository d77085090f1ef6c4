package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"testing"

	"github.com/kiln-dev/kiln/runner/project"
)

// marshalFingerprint is the fingerprint as it was first defined: the hash
// of json.Marshal of the document.
func marshalFingerprint(n *Node, macros map[string]string) string {
	doc := struct {
		Source string            `json:"source"`
		Config map[string]any    `json:"config"`
		Vars   map[string]any    `json:"vars"`
		Env    map[string]string `json:"env"`
		Macros map[string]string `json:"macros"`
	}{Source: n.source(), Config: n.Config, Macros: macros}
	if n.inputs != nil { // a model's inputs: maps, empty when it read nothing
		doc.Vars, doc.Env = map[string]any{}, map[string]string{}
		maps.Copy(doc.Vars, n.inputs.vars)
		maps.Copy(doc.Env, n.inputs.env)
	}
	b, _ := json.Marshal(doc)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

type textName string

func (t textName) MarshalText() ([]byte, error) { return []byte("<" + string(t) + ">"), nil }

// TestFingerprintMatchesMarshal checks that fingerprints are those of
// json.Marshal, so that state:modified keeps working against manifests
// written before fingerprintJSON.
func TestFingerprintMatchesMarshal(t *testing.T) {
	c := &Compiled{macros: newMacroIndex(nil)}
	sources := []string{
		"", "select 1", "select * from {{ ref('a') }} where x < 3 and y > 2 & z",
		"tab\there\nnew \"quoted\" back\\slash \b\f\r \x00\x01\x1f\x7f",
		"é ü 日本 \u2028 \u2029 bad \xff\xfe utf8 \xe2\x82",
	}
	configs := []project.Config{
		nil, {},
		{"materialized": "table", "tags": []any{"a", "<b>"}, "enabled": true},
		{"n": 3, "big": int64(1 << 40), "f": 1.5, "e": 1e21, "none": nil, "list": []string{"x"}, "nil_list": []any(nil)},
		{"nested": map[string]any{"z": 1, "a": []any{map[string]any{"k": "v"}, 2.25, false}}, "grants": map[string]any{"select": []any{"r"}}},
		{"named": textName("x"), "u8": uint8(7), "f32": float32(0.1)},
		{"func": func() {}}, // json.Marshal fails: the hash of nothing, as before
	}
	inputs := []*inputs{
		nil, newInputs(), {vars: map[string]any{}, env: map[string]string{}},
		{vars: map[string]any{"x": "1", "y": []any{1, "two"}}, env: map[string]string{"HOME": "/root", "Q": "a\"b"}},
	}
	macros := []map[string]string{{}, {"cents": "abcd", "<m>": "&"}}
	// A render that read nothing has no maps; its fingerprint is that of
	// empty maps, which earlier kiln versions wrote.
	lazy := &Node{rawSource: "select 1", inputs: newInputs()}
	eager := &Node{rawSource: "select 1", inputs: newInputs()}
	eager.inputs.vars, eager.inputs.env = map[string]any{}, map[string]string{}
	if c.fingerprintWith(lazy, nil) != c.fingerprintWith(eager, nil) {
		t.Error("the fingerprint of a model that read no var changed with the inputs' maps left unmade")
	}
	for _, src := range sources {
		for _, cfg := range configs {
			for _, in := range inputs {
				for _, m := range macros {
					n := &Node{rawSource: src, Config: cfg, inputs: in}
					if got, want := c.fingerprintWith(n, m), marshalFingerprint(n, m); got != want {
						t.Errorf("fingerprint of %q with config %v, inputs %v, macros %v differs from json.Marshal's", src, cfg, in, m)
					}
				}
			}
		}
	}
}
