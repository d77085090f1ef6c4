// Package artifacts defines the files kiln writes into the target directory
// (manifest.json, run_results.json) in dbt's shapes, and writes them so that
// a reader never sees a half-written file.
package artifacts

import (
	"bufio"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/kiln-dev/kiln/internal/jsonenc"
)

// Metadata heads every artifact.
type Metadata struct {
	KilnVersion  string    `json:"kiln_version"`
	GeneratedAt  time.Time `json:"generated_at"`
	InvocationID string    `json:"invocation_id"`
	Command      string    `json:"command,omitempty"`
}

// Manifest lists every enabled node of the project.
type Manifest struct {
	Metadata  Metadata                  `json:"metadata"`
	Nodes     map[string]ManifestNode   `json:"nodes"`
	Sources   map[string]ManifestSource `json:"sources"`
	ParentMap map[string][]string       `json:"parent_map"`
	ChildMap  map[string][]string       `json:"child_map"`
}

// ManifestNode is one model.
type ManifestNode struct {
	UniqueID         string            `json:"unique_id"`
	ResourceType     string            `json:"resource_type"`
	PackageName      string            `json:"package_name"`
	Name             string            `json:"name"`
	Path             string            `json:"path"`
	OriginalFilePath string            `json:"original_file_path"`
	FQN              []string          `json:"fqn"`
	Database         string            `json:"database"`
	Schema           string            `json:"schema"`
	Alias            string            `json:"alias"`
	RelationName     string            `json:"relation_name"`
	Config           map[string]any    `json:"config"`
	Tags             []string          `json:"tags"`
	Description      string            `json:"description"`
	Columns          map[string]Column `json:"columns"`
	DependsOn        DependsOn         `json:"depends_on"`
	RawCode          string            `json:"raw_code"`
	CompiledPath     string            `json:"compiled_path,omitempty"`
	CompiledCode     string            `json:"compiled_code,omitempty"`
	PatchPath        string            `json:"patch_path,omitempty"`
	Kiln             *KilnNode         `json:"kiln,omitempty"`
}

// KilnNode is what kiln adds to a manifest node: the fingerprint that
// state:modified compares, and the names (never the values) of the vars,
// environment variables and macros it covers.
type KilnNode struct {
	Fingerprint string   `json:"fingerprint"`
	Vars        []string `json:"vars"`
	EnvVars     []string `json:"env_vars"`
	Macros      []string `json:"macros"`
}

// Column is a documented column.
type Column struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	DataType    string `json:"data_type,omitempty"`
}

// DependsOn lists a node's parents.
type DependsOn struct {
	Nodes  []string `json:"nodes"`
	Macros []string `json:"macros"`
}

// ManifestSource is one declared source table.
type ManifestSource struct {
	UniqueID         string   `json:"unique_id"`
	ResourceType     string   `json:"resource_type"`
	PackageName      string   `json:"package_name"`
	SourceName       string   `json:"source_name"`
	Name             string   `json:"name"`
	Identifier       string   `json:"identifier"`
	Database         string   `json:"database"`
	Schema           string   `json:"schema"`
	RelationName     string   `json:"relation_name"`
	OriginalFilePath string   `json:"original_file_path"`
	FQN              []string `json:"fqn"`
	Description      string   `json:"description"`
	LoadedAtField    string   `json:"loaded_at_field,omitempty"`
}

// RunResults says what an invocation did to each node.
type RunResults struct {
	Metadata    Metadata       `json:"metadata"`
	Results     []RunResult    `json:"results"`
	ElapsedTime float64        `json:"elapsed_time"`
	Args        map[string]any `json:"args"`
}

// RunResult is one node's outcome.
type RunResult struct {
	UniqueID        string          `json:"unique_id"`
	Status          string          `json:"status"`
	Timing          []Timing        `json:"timing"`
	ExecutionTime   float64         `json:"execution_time"`
	Message         string          `json:"message"`
	Failures        *int            `json:"failures"`
	AdapterResponse AdapterResponse `json:"adapter_response"`
	CompiledPath    string          `json:"compiled_path,omitempty"`
	ErrorPosition   *Position       `json:"error_position,omitempty"`
	CausedBy        string          `json:"caused_by,omitempty"`
	ThreadID        string          `json:"thread_id,omitempty"`
}

// Timing is a phase of a node's execution.
type Timing struct {
	Name        string    `json:"name"`
	StartedAt   time.Time `json:"started_at"`
	CompletedAt time.Time `json:"completed_at"`
}

// AdapterResponse is what the database said.
type AdapterResponse struct {
	Message      string `json:"_message,omitempty"`
	RowsAffected *int64 `json:"rows_affected,omitempty"`
}

// Position is where an error points in a compiled file.
type Position struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
	Col  int    `json:"column,omitempty"`
}

// WriteJSON writes v as compact JSON, followed by a newline, to path
// through a temporary file and a rename, creating the directory. dbt's
// artifacts are not indented either.
func WriteJSON(path string, v any) error {
	return WriteWith(path, func(w io.Writer) error {
		return json.NewEncoder(w).Encode(v) // compact, with a final newline
	})
}

// WriteFile writes data to path atomically, creating the directory.
func WriteFile(path string, data []byte) error {
	return replace(path, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// WriteWith writes what write produces into a temporary file beside path,
// then renames it over path, so that a reader sees the old file or the new
// one, never a part. It creates the directory.
func WriteWith(path string, write func(io.Writer) error) error {
	return replace(path, func(f *os.File) error {
		w := bufio.NewWriterSize(f, 256<<10)
		if err := write(w); err != nil {
			return err
		}
		return w.Flush()
	})
}

// replace is WriteWith with the temporary file itself.
func replace(path string, write func(*os.File) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	// CreateTemp makes the file readable by its owner only; artifacts are
	// read by other users too (a scheduler's log collector), as dbt's are.
	err = f.Chmod(0o644)
	if err == nil {
		err = write(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// WriteManifest writes m as WriteJSON does, byte for byte, but one node at
// a time, so that the encoded manifest is never held in memory whole.
func WriteManifest(path string, m *Manifest) error {
	var ids []string
	if m.Nodes != nil {
		ids = slices.Sorted(maps.Keys(m.Nodes))
	}
	return writeManifest(path, &ManifestStream{
		Metadata: m.Metadata, NodeIDs: ids, Node: func(id string) ManifestNode { return m.Nodes[id] },
		Sources: m.Sources, ParentMap: m.ParentMap, ChildMap: m.ChildMap,
	}, m.Nodes == nil)
}

// ManifestStream is a manifest whose nodes are made as they are written,
// so that the nodes of a large project are never all in memory at once.
type ManifestStream struct {
	Metadata            Metadata
	NodeIDs             []string                     // sorted
	Node                func(id string) ManifestNode // called on several goroutines at once
	Sources             map[string]ManifestSource
	ParentMap, ChildMap map[string][]string
}

// WriteManifestStream writes m as WriteManifest writes the Manifest with
// the same nodes.
func WriteManifestStream(path string, m *ManifestStream) error {
	return writeManifest(path, m, false)
}

// writeManifest writes m; nullNodes writes "nodes":null, as json.Marshal
// does for a nil map.
func writeManifest(path string, m *ManifestStream, nullNodes bool) error {
	return WriteWith(path, func(w io.Writer) error {
		s := &stream{w: w}
		s.raw(manifestHead)
		s.value(m.Metadata)
		s.raw(`,"nodes":`)
		if nullNodes {
			s.raw("null")
		} else {
			streamEntries(s, m.NodeIDs, m.Node, appendNode)
		}
		s.raw(`,"sources":`)
		streamMap(s, m.Sources, appendMarshal)
		s.raw(`,"parent_map":`)
		streamMap(s, m.ParentMap, appendStringList)
		s.raw(`,"child_map":`)
		streamMap(s, m.ChildMap, appendStringList)
		s.raw("}\n")
		return s.err
	})
}

// stream writes JSON piece by piece, keeping the first error.
type stream struct {
	w   io.Writer
	err error
}

func (s *stream) raw(text string) {
	if s.err == nil {
		_, s.err = io.WriteString(s.w, text)
	}
}

func (s *stream) write(b []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}

// value writes v as json.Marshal encodes it.
func (s *stream) value(v any) {
	if s.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		s.err = err
		return
	}
	s.write(b)
}

// chunkSize is how many map entries one goroutine of streamMap encodes at
// a time.
const chunkSize = 64

// streamMap writes m as json.Marshal does (keys sorted, null when nil).
func streamMap[V any](s *stream, m map[string]V, appendValue func(b []byte, v *V) ([]byte, error)) {
	if m == nil {
		s.raw("null")
		return
	}
	streamEntries(s, slices.Sorted(maps.Keys(m)), func(k string) V { return m[k] }, appendValue)
}

// streamEntries writes the object whose keys are keys, in that order, and
// whose values get gives, encoding chunks of entries with appendValue on a
// few goroutines and writing them in order, with a bounded number of
// chunks in memory.
func streamEntries[V any](s *stream, keys []string, get func(string) V, appendValue func(b []byte, v *V) ([]byte, error)) {
	type chunk struct {
		data []byte
		err  error
	}
	n := (len(keys) + chunkSize - 1) / chunkSize
	done := make([]chan *chunk, n)
	for i := range done {
		done[i] = make(chan *chunk, 1)
	}
	// Each chunk in flight has a buffer of its own; a buffer goes back to
	// buffers when its chunk is written, so that a few buffers, grown to
	// the size of a chunk once, serve the whole map.
	workers := runtime.GOMAXPROCS(0)
	buffers := make(chan []byte, 2*workers)
	for range cap(buffers) {
		buffers <- nil
	}
	go func() {
		for i := range n {
			buf := <-buffers
			go func() {
				c := &chunk{data: buf[:0]}
				for j, k := range keys[i*chunkSize : min(len(keys), (i+1)*chunkSize)] {
					c.data = jsonenc.AppendKey(c.data, k, j == 0 && i == 0)
					v := get(k)
					if c.data, c.err = appendValue(c.data, &v); c.err != nil {
						break
					}
				}
				done[i] <- c
			}()
		}
	}()
	s.raw("{")
	for i := range n {
		c := <-done[i]
		if c.err != nil && s.err == nil {
			s.err = c.err
		}
		s.write(c.data)
		buffers <- c.data
	}
	s.raw("}")
}

// appendMarshal appends *v as json.Marshal encodes it.
func appendMarshal[V any](b []byte, v *V) ([]byte, error) {
	data, err := json.Marshal(v)
	return append(b, data...), err
}

// appendStringList is appendStrings as streamMap takes it.
func appendStringList(b []byte, list *[]string) ([]byte, error) {
	return jsonenc.AppendStrings(b, *list), nil
}

// appendNode is (*ManifestNode).appendJSON as streamMap takes it.
func appendNode(b []byte, n *ManifestNode) ([]byte, error) { return n.appendJSON(b) }
