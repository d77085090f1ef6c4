package runner

import (
	"crypto/sha256"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiln-dev/kiln/runner/artifacts"
	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/project"
)

// The compile record, target/kiln_compile.bin, lets a compile that changes
// nothing skip the load altogether. A compile that succeeds records
//
//   - a key: the kiln version and binary, the command line's options that
//     shape a compile (selectors, --vars, --full-refresh, --threads) and
//     the profile's target;
//   - everything the load saw of the project directory (readlog.go): the
//     hash of every file read, of every directory listing, of every Stat;
//   - every environment variable read, by the hash of what was found;
//   - the stamp (filestamp.go) of every compiled file and of the manifest
//     it wrote, and the nodes and warnings it reported.
//
// The next compile computes the key, reads every file and directory again
// and compares hashes, reads the environment variables again, and stats
// the outputs. When all of it matches, the load would read the same
// bytes and produce the same files, which are still on disk as written:
// it only gives the manifest new metadata (time, invocation id), repeats
// the warnings, and reports the same nodes. Anything else, including a
// damaged record, means a full compile, which removes the record first and
// writes a new one at the end. Compiles with --state, --defer or result:
// selectors, which read files outside the project, never use a record.

const recordName = "kiln_compile.bin"

// compileRecord is what one compile saw and wrote.
type compileRecord struct {
	Key      [32]byte
	Seen     []observed
	Env      []inputRead
	Outputs  []stampedFile // compiled files
	Manifest stampedFile
	Nodes    []CompiledFile
	Warnings []diag.Diagnostic
}

// stampedFile is a file kiln wrote, relative to the project, and its stamp.
type stampedFile struct {
	Path  string
	Stamp artifacts.Stamp
}

// CompileResult is what Compile did.
type CompileResult struct {
	Nodes []CompiledFile // the selected nodes, sorted by id
	// Unchanged is true when the project, options and environment were
	// those of the previous compile, whose files were all still in place:
	// only the manifest's metadata was written again.
	Unchanged bool
}

// CompiledFile is a selected node and where its compiled SQL is, relative
// to the project; Path is empty for a seed.
type CompiledFile struct {
	NodeID string
	Path   string
}

// recordable says whether a compile with opts may use and write a record:
// not when it reads files from outside the project.
func recordable(opts Options) bool {
	return opts.State == "" && !opts.Defer && opts.only == nil && !mentionsResult(opts.Select, opts.Exclude)
}

// recordKey hashes everything a compile depends on besides the project
// directory and the environment variables it reads. false: cannot record.
func (e *Engine) recordKey(opts Options, target map[string]any) ([32]byte, bool) {
	bin := binaryID()
	if bin == "" {
		return [32]byte{}, false
	}
	h := sha256.New()
	hashString(h, "kiln compile record")
	hashInt(h, recordFormat)
	hashString(h, e.Version)
	hashString(h, bin)
	hashString(h, opts.command)
	for _, list := range [][]string{opts.Select, opts.Exclude, {opts.Selector, opts.Target}} {
		hashInt(h, len(list))
		for _, s := range list {
			hashString(h, s)
		}
	}
	hashBool(h, opts.FullRefresh)
	hashBool(h, opts.StoreFailures)
	hashInt(h, opts.Threads)
	vars := make(map[string]any, len(opts.Vars))
	for k, v := range opts.Vars {
		vars[k] = v
	}
	if !hashValue(h, vars) || !hashValue(h, target) {
		return [32]byte{}, false
	}
	var key [32]byte
	h.Sum(key[:0])
	return key, true
}

// recordPath is where the record of the project in dir is.
func recordPath(dir, targetPath string) string {
	return targetFile(dir, path.Join(targetPath, recordName))
}

// recordFile is where a compile with opts looks for its record and writes
// it; "" when it may not use one, or dbt_project.yml cannot be read.
func recordFile(opts Options) string {
	if !recordable(opts) {
		return ""
	}
	dir := projectDir(opts)
	targetPath, err := project.ReadTargetPath(os.DirFS(dir))
	if err != nil {
		return ""
	}
	return recordPath(dir, targetPath)
}

// compileUnchanged is the compile that finds nothing changed since the one
// that wrote the record in file; false when something did, or cannot be
// known.
func (e *Engine) compileUnchanged(opts Options, file string) (*CompileResult, bool) {
	dir := projectDir(opts)
	fsys := newProjectFS(dir)
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, false
	}
	rec, ok := decodeRecord(string(data))
	if !ok {
		return nil, false
	}
	target, _, err := e.loadTarget(fsys, dir, opts)
	if err != nil {
		return nil, false
	}
	if key, ok := e.recordKey(opts, target.Map()); !ok || key != rec.Key {
		return nil, false
	}
	for _, r := range rec.Env {
		if envHash(e.lookupEnv(r.Name)) != r.Hash {
			return nil, false
		}
	}
	if !rec.stillSeen(fsys) || !rec.outputsInPlace(dir) {
		return nil, false
	}
	manifest := targetFile(dir, rec.Manifest.Path)
	meta := artifacts.Metadata{KilnVersion: e.Version, GeneratedAt: time.Now().UTC(), InvocationID: newInvocationID(), Command: opts.command}
	if err := artifacts.RestampManifest(manifest, meta); err != nil {
		return nil, false
	}
	// The manifest is new; record its stamp, or drop the record.
	if stamp, ok := artifacts.StampOf(manifest); ok {
		rec.Manifest.Stamp = stamp
		if artifacts.WriteFile(file, encodeRecord(rec)) != nil {
			os.Remove(file)
		}
	} else {
		os.Remove(file)
	}
	for i := range rec.Warnings {
		e.emit(Warned{Diagnostic: &rec.Warnings[i]})
	}
	return &CompileResult{Nodes: rec.Nodes, Unchanged: true}, true
}

// stillSeen looks at every path again, on a few goroutines, and reports
// whether each looks as it did.
func (r *compileRecord) stillSeen(fsys projectFS) bool {
	return allOf(len(r.Seen), func(i int, scratch *[]byte) bool {
		sum, ok := look(fsys, r.Seen[i].observation, scratch)
		return ok && sum == r.Seen[i].sum
	})
}

// outputsInPlace reports whether every file the compile wrote is still the
// one it wrote.
func (r *compileRecord) outputsInPlace(dir string) bool {
	files := append(r.Outputs[:len(r.Outputs):len(r.Outputs)], r.Manifest)
	return allOf(len(files), func(i int, _ *[]byte) bool {
		stamp, ok := artifacts.StampOf(targetFile(dir, files[i].Path))
		return ok && stamp == files[i].Stamp
	})
}

// allOf reports whether f holds for every index below n, calling it on a
// few goroutines (file system calls wait on the kernel) and stopping at
// the first false. Each goroutine passes f its own scratch buffer.
func allOf(n int, f func(i int, scratch *[]byte) bool) bool {
	workers := min(n, 4*runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			scratch := make([]byte, 0, 64<<10)
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if !f(i, &scratch) {
					failed.Store(true)
				}
			}
		})
	}
	wg.Wait()
	return !failed.Load()
}

// writeRecord records the compile c did, when it can be recorded; the old
// record was removed before the load. A failure to write only costs the
// next compile its shortcut.
func (c *Compiled) writeRecord(e *Engine, opts Options, file string, in *inputLog, res *CompileResult) {
	seen, complete := c.reads.observations()
	// The record goes where the next compile will look: not when the
	// rendered target-path is not the one dbt_project.yml spells.
	if !complete || file == "" || file != recordPath(c.projectDir, c.Project.TargetPath) {
		return
	}
	key, ok := e.recordKey(opts, c.profileTarget)
	if !ok {
		return
	}
	rec := &compileRecord{Key: key, Seen: seen, Nodes: res.Nodes}
	rec.Env, rec.Warnings = in.recorded()
	for _, n := range res.Nodes {
		if n.Path != "" {
			rec.Outputs = append(rec.Outputs, stampedFile{Path: n.Path})
		}
	}
	rec.Manifest = stampedFile{Path: path.Join(c.Project.TargetPath, "manifest.json")}
	// The compiled files' stamps come from writing them; a file without one
	// and the manifest are looked at.
	files := append(rec.Outputs[:len(rec.Outputs):len(rec.Outputs)], rec.Manifest)
	stamped := allOf(len(files), func(i int, _ *[]byte) bool {
		if s, ok := c.compiledStamps[files[i].Path]; ok && s != (artifacts.Stamp{}) && i < len(rec.Outputs) {
			files[i].Stamp = s
			return true
		}
		stamp, ok := artifacts.StampOf(targetFile(c.projectDir, files[i].Path))
		files[i].Stamp = stamp
		return ok
	})
	if !stamped {
		return
	}
	copy(rec.Outputs, files)
	rec.Manifest = files[len(files)-1]
	_ = artifacts.WriteFile(file, encodeRecord(rec))
}

func projectDir(opts Options) string {
	if opts.ProjectDir == "" {
		return "."
	}
	return filepath.Clean(opts.ProjectDir)
}

// inputLog notes the environment variables a load reads and the warnings
// it emits, for the record.
type inputLog struct {
	mu       sync.Mutex
	env      map[string][32]byte
	warnings []diag.Diagnostic
}

// recording returns a copy of e whose environment reads and warnings are
// noted in the returned log.
func (e *Engine) recording() (*Engine, *inputLog) {
	in := &inputLog{env: map[string][32]byte{}}
	rec := *e
	rec.LookupEnv = func(name string) (string, bool) {
		v, ok := e.lookupEnv(name)
		in.mu.Lock()
		in.env[name] = envHash(v, ok)
		in.mu.Unlock()
		return v, ok
	}
	rec.Events = func(ev Event) {
		if w, ok := ev.(Warned); ok && w.Diagnostic != nil {
			in.mu.Lock()
			in.warnings = append(in.warnings, *w.Diagnostic)
			in.mu.Unlock()
		}
		e.emit(ev)
	}
	return &rec, in
}

func (in *inputLog) recorded() ([]inputRead, []diag.Diagnostic) {
	in.mu.Lock()
	defer in.mu.Unlock()
	env := make([]inputRead, 0, len(in.env))
	for _, name := range sortedNames(in.env) {
		env = append(env, inputRead{Name: name, Hash: in.env[name]})
	}
	return env, append([]diag.Diagnostic(nil), in.warnings...)
}
