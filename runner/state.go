package runner

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// priorState is what a previous invocation left: its manifest (for
// state: selectors and --defer) and its run results (for result: and
// retry). A nil *priorState knows nothing.
type priorState struct {
	dir     string
	nodes   map[string]priorNode // from manifest.json; nil without one
	results map[string]string    // node id -> status
	command string               // the command of run_results.json
}

type priorNode struct {
	Database    string `json:"database"`
	Schema      string `json:"schema"`
	Alias       string `json:"alias"`
	Fingerprint string `json:"-"`
	Kiln        *struct {
		Fingerprint string `json:"fingerprint"`
	} `json:"kiln"`
}

// readPriorState reads dir/manifest.json, which must exist, and
// dir/run_results.json if it does.
func readPriorState(dir string) (*priorState, error) {
	p := &priorState{dir: dir}
	var m struct {
		Nodes map[string]priorNode `json:"nodes"`
	}
	path := filepath.Join(dir, "manifest.json")
	if err := readJSON(path, &m); err != nil {
		d := &diag.Diagnostic{File: path, Message: "--state: " + err.Error(), Hint: "point --state at the target/ directory of a previous kiln run"}
		return nil, d
	}
	p.nodes = m.Nodes
	for id, n := range p.nodes {
		if n.Kiln != nil {
			n.Fingerprint = n.Kiln.Fingerprint
			p.nodes[id] = n
		}
	}
	if err := p.readResults(dir); err != nil {
		return nil, err
	}
	return p, nil
}

// readPriorResults reads dir/run_results.json when there is one.
func readPriorResults(dir string) (*priorState, error) {
	p := &priorState{dir: dir}
	if err := p.readResults(dir); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *priorState) readResults(dir string) error {
	var r struct {
		Args    map[string]any `json:"args"`
		Results []struct {
			UniqueID string `json:"unique_id"`
			Status   string `json:"status"`
		} `json:"results"`
	}
	path := filepath.Join(dir, "run_results.json")
	if err := readJSON(path, &r); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return &diag.Diagnostic{File: path, Message: err.Error()}
	}
	p.results = map[string]string{}
	for _, res := range r.Results {
		p.results[res.UniqueID] = res.Status
	}
	p.command, _ = r.Args["which"].(string)
	return nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errors.New("not a kiln or dbt artifact: " + err.Error())
	}
	return nil
}

func (p *priorState) hasManifest() bool { return p != nil && p.nodes != nil }

// state is "new", "modified" or "unchanged" against the prior manifest, or
// "" without one. fingerprint is called only when needed.
func (p *priorState) state(id string, fingerprint func() string) string {
	if !p.hasManifest() {
		return ""
	}
	old, ok := p.nodes[id]
	switch {
	case !ok:
		return "new"
	case old.Fingerprint == "" || old.Fingerprint != fingerprint():
		return "modified" // a manifest without kiln fingerprints: assume changed
	default:
		return "unchanged"
	}
}

func (p *priorState) result(id string) string {
	if p == nil {
		return ""
	}
	return p.results[id]
}

// deferUnselected points every unselected node that the prior manifest
// knows at the relation recorded there, so that selected nodes read their
// parents from, say, production instead of rebuilding them.
func (c *Compiled) deferUnselected() error {
	if !c.prior.hasManifest() {
		return &diag.Diagnostic{Message: "--defer needs --state DIR with a manifest.json"}
	}
	selected := inSet(c.Selected)
	for id, n := range c.Nodes {
		if selected(id) {
			continue
		}
		if old, ok := c.prior.nodes[id]; ok && old.Schema != "" && old.Alias != "" {
			n.Relation = warehouse.Relation{Database: old.Database, Schema: old.Schema, Name: old.Alias}
			n.deferred = true
		}
	}
	return nil
}
