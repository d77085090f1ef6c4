package runner

import (
	"io/fs"
	"os"
	"path/filepath"
)

// projectFS is the project directory for the loader, read with fewer
// system calls than os.DirFS: a load reads tens of thousands of small
// files, and a compile that finds nothing changed reads them all again.
type projectFS struct {
	fs.FS // os.DirFS(dir), for everything but ReadFile
	dir   string
}

func newProjectFS(dir string) projectFS { return projectFS{FS: os.DirFS(dir), dir: dir} }

// ReadDir implements fs.ReadDirFS.
func (p projectFS) ReadDir(name string) ([]fs.DirEntry, error) { return fs.ReadDir(p.FS, name) }

// Stat implements fs.StatFS.
func (p projectFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(p.FS, name) }

// ReadFile implements fs.ReadFileFS.
func (p projectFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return readFile(filepath.Join(p.dir, filepath.FromSlash(name)), name, nil)
}

// readInto reads the file name into scratch when it fits, growing it
// otherwise; the result is valid until the next call with scratch.
func (p projectFS) readInto(name string, scratch *[]byte) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	data, err := readFile(filepath.Join(p.dir, filepath.FromSlash(name)), name, *scratch)
	if cap(data) > cap(*scratch) {
		*scratch = data[:0]
	}
	return data, err
}
