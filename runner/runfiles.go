package runner

import (
	"path"
	"strings"

	"github.com/kiln-dev/kiln/runner/artifacts"
)

// runFiles writes target/run/, the statements that materialized each node,
// on a goroutine of its own, so that a node's connection goes back to work
// without waiting for the file system. Each file is written in place as
// target/compiled's are (artifacts.WriteDerivedFile), not through a
// temporary file and a rename: target/run is derived again on every run,
// and a file cut short by a crash is rewritten by the next one. The first
// error is kept and returned by wait.
type runFiles struct {
	queue chan runFile
	done  chan struct{}
	err   error // set by the writer goroutine; read after done is closed
}

type runFile struct {
	path string
	data string
}

// startRunFiles starts the writer; up to capacity files are queued
// without blocking the sender.
func startRunFiles(capacity int) *runFiles {
	w := &runFiles{queue: make(chan runFile, max(capacity, 1)), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		var buf []byte
		for f := range w.queue {
			if err := artifacts.WriteDerivedFile(f.path, f.data, &buf); err != nil && w.err == nil {
				w.err = err
			}
		}
	}()
	return w
}

// add queues the statements that materialized n; nothing is written for a
// node that ran none.
func (w *runFiles) add(c *Compiled, n *Node, statements []string) {
	if len(statements) == 0 {
		return
	}
	w.queue <- runFile{path: targetFile(c.projectDir, c.runFilePath(n)), data: strings.Join(statements, ";\n\n") + ";\n"}
}

// wait writes what is queued and returns the first error. Call it once,
// after the last add.
func (w *runFiles) wait() error {
	close(w.queue)
	<-w.done
	return w.err
}

// runFilePath is where n's statements go, relative to the project:
// target/run/<project>/<path of the model or seed>, and for a test (several
// share a YAML file) the path of its own compiled file under target/run.
func (c *Compiled) runFilePath(n *Node) string {
	if n.Kind == KindTest {
		return path.Join(c.Project.TargetPath, "run", strings.TrimPrefix(n.CompiledPath, path.Join(c.Project.TargetPath, "compiled")+"/"))
	}
	return path.Join(c.Project.TargetPath, "run", c.Project.Name, n.Path)
}
