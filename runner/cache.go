package runner

import (
	"crypto/sha256"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path"
	"sort"

	"github.com/kiln-dev/kiln/runner/artifacts"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The parse cache, target/kiln_cache.bin, keeps the first render of every
// model (its SQL, config() calls, refs and sources) so that the next load
// can skip rendering the models whose inputs have not changed. It can never
// go stale because a cached render is used only when everything the render
// could see is the same:
//
//   - the model's file, by content hash;
//   - every other file project.Load read (dbt_project.yml, property files,
//     macro files, ...), by content hash, together with the kiln version,
//     the identity of the kiln binary and the profile target (the
//     template's target, which has no password): one key for the whole
//     file, which is ignored when the key differs;
//   - each var and environment variable the render read, by the hash of
//     what it found (set or not, and the value), so that a changed --vars
//     or environment re-renders only the models that read it;
//   - each relation ref() and source() handed out, so that a model added,
//     or a config that moved a relation, re-renders the models naming it.
//
// The template context (runner/jinja's Context and the functions of
// jinja.NewEnv) offers nothing else; a new input there, above all one that
// changes from run to run such as the time, must be added to the checks
// above. A cache file that cannot be read, or was written by another kiln,
// is ignored, and it is written through a rename, so a reader never sees a
// part of one. Its encoding is in cache_codec.go.

// cacheName is the cache's file name in the target directory.
const cacheName = "kiln_cache.bin"

// parseCache is what one load knows about the cache.
type parseCache struct {
	path  string              // the cache file
	key   [32]byte            // everything but the models' files; zero: do not cache
	files map[string][32]byte // content hash of every file project.Load read
	spans map[string]*cacheSpan
	fresh bool // the file on disk has this key
}

// cacheSpan is the encoded entry of one model in the cache file, decoded
// only when the model is rendered.
type cacheSpan struct {
	raw string
	hit bool // the entry was used; set by the one render that checks it
}

// cacheEntry is the first render of one model and what it read.
type cacheEntry struct {
	Source     [32]byte // hash of the model's file
	SQL        string
	Config     []cachedPair
	ConfigLine int
	Refs       []jinja.Call
	Sources    []jinja.Call
	SourceRels []warehouse.Relation // what each call of Sources resolved to
	Handed     []handedRelation     // what ref() (and this) handed out
	Vars       []inputRead
	Env        []inputRead
}

type handedRelation struct {
	Name string
	Rel  warehouse.Relation
}

// inputRead is a var or environment variable a render read, and the hash
// of what it found, never the value.
type inputRead struct {
	Name string
	Hash [32]byte
}

// openCache computes the cache key of this load from what project.Load
// read, and reads the cache file. The result is never nil; a problem of
// any kind leaves it empty.
func (c *Compiled) openCache(e *Engine, reads *readLog) *parseCache {
	pc := &parseCache{path: targetFile(c.projectDir, path.Join(c.Project.TargetPath, cacheName))}
	files, complete := reads.files()
	pc.files = files
	key, ok := c.cacheKey(e, pc.files)
	if !complete || !ok {
		return pc
	}
	pc.key = key
	data, err := os.ReadFile(pc.path)
	if err != nil {
		return pc
	}
	if spans, ok := decodeCacheFile(string(data), key); ok {
		pc.spans, pc.fresh = spans, true
	}
	return pc
}

// cacheKey hashes everything the renders of this load share: the files
// project.Load read besides the models, the kiln version and binary, and
// the target. false means that something cannot be hashed: do not cache.
func (c *Compiled) cacheKey(e *Engine, files map[string][32]byte) ([32]byte, bool) {
	bin := binaryID()
	if bin == "" {
		return [32]byte{}, false
	}
	h := sha256.New()
	hashString(h, "kiln parse cache")
	hashInt(h, cacheFormat)
	hashString(h, e.Version)
	hashString(h, bin)
	models := make(map[string]bool, len(c.Project.Models))
	for _, m := range c.Project.Models {
		models[m.Path] = true
	}
	names := make([]string, 0, len(files))
	for name := range files {
		if !models[name] {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	hashInt(h, len(names))
	for _, name := range names {
		sum := files[name]
		hashString(h, name)
		h.Write(sum[:])
	}
	if !hashValue(h, c.targetContext()) {
		return [32]byte{}, false
	}
	var key [32]byte
	h.Sum(key[:0])
	return key, true
}

// cachedResult returns the first render of m from the cache, as c.render
// would return it, when it is still valid; false otherwise, and always in
// the final pass. It is safe for concurrent use on different models.
func (c *Compiled) cachedResult(e *Engine, m *project.Model, provisional map[string]warehouse.Relation, final bool) (jinja.Result, map[string]warehouse.Relation, *inputs, bool) {
	pc := c.cache
	if final || pc == nil || pc.spans == nil {
		return jinja.Result{}, nil, nil, false
	}
	span := pc.spans[m.Path]
	if span == nil {
		return jinja.Result{}, nil, nil, false
	}
	ent, ok := decodeEntry(span.raw)
	if !ok || ent.Source != pc.files[m.Path] || len(ent.SourceRels) != len(ent.Sources) {
		return jinja.Result{}, nil, nil, false
	}
	handed := make(map[string]warehouse.Relation, len(ent.Handed))
	for _, h := range ent.Handed {
		if c.provisionalRelation(provisional, h.Name) != h.Rel {
			return jinja.Result{}, nil, nil, false
		}
		handed[h.Name] = h.Rel
	}
	for i, call := range ent.Sources {
		if len(call.Args) != 2 || c.sourceRelation(call.Args[0], call.Args[1]) != ent.SourceRels[i] {
			return jinja.Result{}, nil, nil, false
		}
	}
	in := newInputs()
	for _, r := range ent.Vars {
		v, ok := c.lookupVar(r.Name)
		if sum, hashed := varHash(v, ok); !hashed || sum != r.Hash {
			return jinja.Result{}, nil, nil, false
		}
		in.readVar(r.Name, v)
	}
	for _, r := range ent.Env {
		v, ok := e.lookupEnv(r.Name)
		if envHash(v, ok) != r.Hash {
			return jinja.Result{}, nil, nil, false
		}
		in.readEnv(r.Name, v)
	}
	cfg := make(map[string]any, len(ent.Config))
	for _, p := range ent.Config {
		cfg[p.Key] = p.Value.value()
	}
	span.hit = true
	res := jinja.Result{SQL: ent.SQL, Config: cfg, ConfigLine: ent.ConfigLine, Refs: ent.Refs, Sources: ent.Sources}
	return res, handed, in, true
}

// provisionalRelation is what ref(name) hands out in the first render.
func (c *Compiled) provisionalRelation(provisional map[string]warehouse.Relation, name string) warehouse.Relation {
	if r, ok := provisional[name]; ok {
		return r
	}
	return warehouse.Relation{Database: c.Target.DBName, Schema: c.Target.Schema, Name: name}
}

// sourceRelation is what source(src, table) hands out.
func (c *Compiled) sourceRelation(src, table string) warehouse.Relation {
	if s, ok := c.Sources[SourceID(c.Project.Name, src, table)]; ok {
		return s.Relation
	}
	return warehouse.Relation{Schema: src, Name: table}
}

// saveCache writes the first render of every model, unless the file on
// disk already holds exactly these. Call it once the load has succeeded (a
// failed load writes nothing). Models that disable themselves with config()
// are no longer nodes then, and are rendered again by every load. A failure
// to write only costs the next load its renders.
func (c *Compiled) saveCache(e *Engine) {
	pc := c.cache
	if pc == nil || pc.key == ([32]byte{}) {
		return
	}
	// The models, with their entries from the file when still valid.
	var nodes []*Node
	var spans []*cacheSpan
	changed := !pc.fresh
	for _, m := range c.Project.Models {
		n := c.Nodes[NodeID(c.Project.Name, m.Name)]
		if n == nil || n.Kind != KindModel || n.Model != m {
			continue
		}
		span := pc.spans[m.Path]
		if span == nil || !span.hit {
			span, changed = nil, true
		}
		nodes, spans = append(nodes, n), append(spans, span)
	}
	if !changed && len(nodes) == len(pc.spans) {
		return
	}
	raws := make([]string, len(nodes))
	parallel(len(nodes), func(i int) {
		if spans[i] != nil {
			raws[i] = spans[i].raw
		} else if ent, ok := c.cacheEntry(e, nodes[i], pc.files[nodes[i].Path]); ok {
			raws[i] = encodeEntry(ent)
		}
	})
	_ = artifacts.WriteWith(pc.path, func(w io.Writer) error {
		return writeCacheFile(w, pc.key, nodes, raws)
	})
}

// cacheEntry records the first render of n; false if some value it holds
// cannot be recorded exactly.
func (c *Compiled) cacheEntry(e *Engine, n *Node, source [32]byte) (*cacheEntry, bool) {
	ent := &cacheEntry{
		Source:     source,
		SQL:        n.result.SQL,
		ConfigLine: n.result.ConfigLine,
		Refs:       n.result.Refs,
		Sources:    n.result.Sources,
	}
	for _, k := range sortedNames(n.result.Config) {
		v, ok := cachedValueOf(n.result.Config[k], 0)
		if !ok {
			return nil, false
		}
		ent.Config = append(ent.Config, cachedPair{Key: k, Value: v})
	}
	for _, call := range n.result.Sources {
		if len(call.Args) != 2 {
			return nil, false
		}
		ent.SourceRels = append(ent.SourceRels, c.sourceRelation(call.Args[0], call.Args[1]))
	}
	for _, name := range sortedNames(n.handed) {
		ent.Handed = append(ent.Handed, handedRelation{Name: name, Rel: n.handed[name]})
	}
	if n.inputs != nil {
		for _, name := range sortedNames(n.inputs.vars) {
			sum, ok := varHash(c.lookupVar(name))
			if !ok {
				return nil, false
			}
			ent.Vars = append(ent.Vars, inputRead{Name: name, Hash: sum})
		}
		for _, name := range sortedNames(n.inputs.env) {
			ent.Env = append(ent.Env, inputRead{Name: name, Hash: envHash(e.lookupEnv(name))})
		}
	}
	return ent, true
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// binaryID identifies the running kiln binary: its Go build ID, which
// changes with any change of its source or build, else the size and
// modification time of the executable; "" if neither can be found.
func binaryID() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if s := f.Section(".note.go.buildid"); s != nil {
			if data, err := s.Data(); err == nil && len(data) > 0 {
				return "go build id " + string(data)
			}
		}
	}
	info, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s %d %d", exe, info.Size(), info.ModTime().UnixNano())
}
