// Package artifacts defines the files kiln writes into the target directory
// (manifest.json, run_results.json) in dbt's shapes, and writes them so that
// a reader never sees a half-written file.
package artifacts

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
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

// WriteJSON writes v, indented, to path through a temporary file and a
// rename, creating the directory.
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(path, append(data, '\n'))
}

// WriteFile writes data to path atomically, creating the directory.
func WriteFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
