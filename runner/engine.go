// Package runner plans and executes a kiln invocation: it loads and renders
// a project, builds its DAG, selects nodes, and materializes them through a
// warehouse, reporting what happens as events.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"

	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Connector opens a warehouse for a profile target with up to threads
// concurrent connections. The CLI supplies it, so that the runner does not
// depend on any database driver.
type Connector func(ctx context.Context, t *project.Target, threads int) (warehouse.Warehouse, error)

// Engine runs commands. Its zero value is not usable; set Connect and Events.
type Engine struct {
	Connect Connector
	Events  Sink
	// LookupEnv reads environment variables for env_var(); os.LookupEnv when nil.
	LookupEnv func(string) (string, bool)
	// HomeDir is where ~/.dbt is looked for; os.UserHomeDir when empty.
	HomeDir string
	// Version is written into artifacts.
	Version string
}

func (e *Engine) emit(ev Event) {
	if e.Events != nil {
		e.Events(ev)
	}
}

func (e *Engine) lookupEnv(name string) (string, bool) {
	if e.LookupEnv != nil {
		return e.LookupEnv(name)
	}
	return os.LookupEnv(name)
}

func (e *Engine) homeDir() string {
	if e.HomeDir != "" {
		return e.HomeDir
	}
	h, _ := os.UserHomeDir()
	return h
}

func newInvocationID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
