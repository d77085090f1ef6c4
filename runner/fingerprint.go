package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"

	"github.com/kiln-dev/kiln/runner/jinja"

	"github.com/kiln-dev/kiln/internal/jsonenc"
)

// inputs are what a node's rendered SQL depends on besides its file: the
// vars and environment variables it read and the macros it may call.
// state:modified compares their fingerprint with a previous manifest's, so
// a changed var or macro marks exactly the nodes that use it.
type inputs struct {
	vars map[string]any
	env  map[string]string
}

func newInputs() *inputs { return &inputs{} }

// readVar notes that the render read var name and found v. The maps are
// made on the first read: most models read nothing.
func (in *inputs) readVar(name string, v any) {
	if in.vars == nil {
		in.vars = map[string]any{}
	}
	in.vars[name] = v
}

// readEnv notes that the render read environment variable name and found v.
func (in *inputs) readEnv(name, v string) {
	if in.env == nil {
		in.env = map[string]string{}
	}
	in.env[name] = v
}

// macroIndex maps each macro name to the hash of the file defining it and
// the other macros that file mentions.
type macroIndex struct {
	hash  map[string]string   // macro name -> file hash
	calls map[string][]string // macro name -> macro names its file mentions

	// A word can only be a macro name if its first byte starts one and
	// its length is that of one: most words of a file are ruled out
	// without a map look-up.
	first          [256]bool
	minLen, maxLen int
}

var macroDef = regexp.MustCompile(`\{%-?\s*(macro|test)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(`)

func newMacroIndex(files []jinja.File) *macroIndex {
	idx := &macroIndex{hash: map[string]string{}, calls: map[string][]string{}}
	defined := map[string][]string{} // file -> macros
	for _, f := range files {
		h := sha256.Sum256([]byte(f.Source))
		for _, m := range macroDef.FindAllStringSubmatch(f.Source, -1) {
			name := m[2]
			if m[1] == "test" {
				name = "test_" + name // {% test x %} defines the macro test_x
			}
			idx.hash[name] = hex.EncodeToString(h[:8])
			defined[f.Path] = append(defined[f.Path], name)
		}
	}
	for name := range idx.hash {
		idx.first[name[0]] = true
		if idx.minLen == 0 || len(name) < idx.minLen {
			idx.minLen = len(name)
		}
		idx.maxLen = max(idx.maxLen, len(name))
	}
	for _, f := range files {
		used := idx.mentions(f.Source)
		for _, m := range defined[f.Path] {
			idx.calls[m] = used
		}
	}
	return idx
}

// mentions lists the macro names that appear in text as whole words
// (runs of letters, digits and underscores), sorted.
func (idx *macroIndex) mentions(text string) []string {
	seen := map[string]bool{}
	idx.eachMention(text, func(m string) { seen[m] = true })
	return sortedNames(seen)
}

// eachMention calls f for each whole word of text that is a macro name, as
// often as it appears.
func (idx *macroIndex) eachMention(text string, f func(string)) {
	if len(idx.hash) == 0 {
		return
	}
	for i := 0; i < len(text); {
		if !isWordByte(text[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		if n := j - i; idx.first[text[i]] && n >= idx.minLen && n <= idx.maxLen {
			if _, ok := idx.hash[text[i:j]]; ok {
				f(text[i:j])
			}
		}
		i = j
	}
}

// isWordByte reports whether b is a letter, digit or underscore, a word
// character of regexp's \b.
func isWordByte(b byte) bool {
	return b == '_' || '0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// closure returns the macros text may call, directly or through others,
// with their file hashes.
func (idx *macroIndex) closure(text string) map[string]string {
	out := map[string]string{}
	var visit func(string)
	visit = func(m string) {
		if _, ok := out[m]; ok {
			return
		}
		out[m] = idx.hash[m]
		for _, c := range idx.calls[m] {
			visit(c)
		}
	}
	idx.eachMention(text, visit)
	return out
}

// fingerprint hashes everything a node's result depends on. Env var values
// enter the hash but are never written anywhere.
func (c *Compiled) fingerprint(n *Node) string {
	return c.fingerprintWith(n, c.macros.closure(n.source()))
}

// fingerprintWith is fingerprint with the node's macro closure already
// computed. The hash is that of json.Marshal of
//
//	{"source": ..., "config": ..., "vars": ..., "env": ..., "macros": ...}
//
// (maps with sorted keys), written by fingerprintJSON without reflection;
// TestFingerprintMatchesMarshal holds the two together, so fingerprints
// of earlier manifests stay valid.
func (c *Compiled) fingerprintWith(n *Node, macros map[string]string) string {
	var vars map[string]any
	var env map[string]string
	if n.inputs != nil {
		// A render's inputs encode as {} when it read nothing, as they did
		// when the maps were always made: earlier manifests' fingerprints
		// stay valid.
		vars, env = n.inputs.vars, n.inputs.env
		if vars == nil {
			vars = map[string]any{}
		}
		if env == nil {
			env = map[string]string{}
		}
	}
	src := n.source()
	buf, _ := c.fingerprintScratch.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	defer c.fingerprintScratch.Put(buf)
	b := (*buf)[:0]
	defer func() { *buf = b[:0] }()
	b = append(b, `{"source":`...)
	b = jsonenc.AppendString(b, src)
	ok := true
	b = append(b, `,"config":`...)
	if b, ok = fingerprintJSON(b, n.Config); ok {
		b = append(b, `,"vars":`...)
		if b, ok = fingerprintJSON(b, vars); ok {
			b = append(b, `,"env":`...)
			b, _ = fingerprintJSON(b, env)
			b = append(b, `,"macros":`...)
			b, _ = fingerprintJSON(b, macros)
			b = append(b, '}')
		}
	}
	doc := b
	if !ok {
		doc = nil // json.Marshal failed on the document: the hash of nothing, as before
	}
	h := sha256.Sum256(doc)
	return hex.EncodeToString(h[:])
}

// source is the node's file text.
func (n *Node) source() string {
	if n.Model != nil {
		return n.Model.Source
	}
	return n.rawSource
}
