package runner

import (
	"github.com/kiln-dev/kiln/internal/jsonenc"
	"github.com/kiln-dev/kiln/runner/project"
)

// fingerprintJSON appends v as encoding/json's Marshal writes it, byte for
// byte (package jsonenc, without reflection for the values a fingerprint
// holds). ok is false when json.Marshal fails on a value, as it would have
// failed on the whole document.
//
// It exists because the fingerprint of every node is computed for the
// manifest, and reflection over a document holding the node's whole file
// was most of that cost.
func fingerprintJSON(dst []byte, v any) (out []byte, ok bool) {
	if c, isConfig := v.(project.Config); isConfig {
		v = map[string]any(c)
	}
	out, err := jsonenc.AppendValue(dst, v)
	return out, err == nil
}
