package project

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
)

// walkFiles calls fn for every file below dir, in lexical order. A missing
// directory holds no files, as in dbt.
func (l *loader) walkFiles(dir string, fn func(file string)) {
	_ = fs.WalkDir(l.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			l.diags = append(l.diags, diag.Errorf(p, 0, "cannot read: %s", pathErr(err)))
			return nil
		}
		if !d.IsDir() {
			fn(p)
		}
		return nil
	})
}

// pathErr drops the path that an fs.PathError repeats.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readFile reads a file, reporting a failure as a diagnostic.
func (l *loader) readFile(file string) (string, bool) {
	data, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.diags = append(l.diags, diag.Errorf(file, 0, "cannot read: %s", pathErr(err)))
		return "", false
	}
	return string(data), true
}

func isYAMLFile(p string) bool {
	ext := path.Ext(p)
	return ext == ".yml" || ext == ".yaml"
}

// discoverModels reads every .sql file of the model paths, and notes the
// property files found there. Files are read while the walk goes on.
func (l *loader) discoverModels() {
	type found struct{ file, dir string }
	var sqls []found
	r := l.startReading()
	for _, dir := range l.p.ModelPaths {
		l.walkFiles(dir, func(file string) {
			switch {
			case isYAMLFile(file):
				l.addPropertyFile(file)
			case path.Ext(file) == ".py":
				l.diags = append(l.diags, diag.Warnf(file, 0, "Python models are not supported; kiln skips this file"))
			case path.Ext(file) == ".sql":
				sqls = append(sqls, found{file, dir})
				r.add(file)
			}
		})
	}
	srcs, ok := r.finish()
	for i, f := range sqls {
		if !ok[i] {
			continue
		}
		rel := f.file
		if f.dir != "." {
			rel = strings.TrimPrefix(f.file, f.dir+"/")
		}
		parts := strings.Split(rel, "/")
		name := strings.TrimSuffix(parts[len(parts)-1], ".sql")
		fqn := append(append([]string{l.p.Name}, parts[:len(parts)-1]...), name)
		l.p.Models = append(l.p.Models, &Model{Name: name, Path: f.file, FQN: fqn, Source: srcs[i], Config: Config{}})
	}
	sort.SliceStable(l.p.Models, func(i, j int) bool { return l.p.Models[i].Path < l.p.Models[j].Path })
}

// readers is how many files are read at once.
const readers = 4

// readBatchSize is how many files the walk hands the readers at a time.
const readBatchSize = 64

// fileReader reads files a few at a time while they are being found,
// since a project has thousands of them and listing directories takes a
// while too.
type fileReader struct {
	l       *loader
	batches []*readBatch // in the order of the files
	pending *readBatch   // not handed out yet
	work    chan *readBatch
	wg      sync.WaitGroup
}

// readBatch is files read by one reader; srcs[i] and errs[i] are what
// reading files[i] gave.
type readBatch struct {
	files []string
	srcs  []string
	errs  []error
}

func (l *loader) startReading() *fileReader {
	r := &fileReader{l: l, work: make(chan *readBatch, readers)}
	for range readers {
		r.wg.Go(func() {
			for b := range r.work {
				b.srcs, b.errs = make([]string, len(b.files)), make([]error, len(b.files))
				for i, f := range b.files {
					data, err := fs.ReadFile(l.fsys, f)
					b.srcs[i], b.errs[i] = string(data), err
				}
			}
		})
	}
	return r
}

// add queues file to be read.
func (r *fileReader) add(file string) {
	if r.pending == nil {
		r.pending = &readBatch{files: make([]string, 0, readBatchSize)}
	}
	r.pending.files = append(r.pending.files, file)
	if len(r.pending.files) == readBatchSize {
		r.flush()
	}
}

func (r *fileReader) flush() {
	if r.pending != nil {
		r.batches = append(r.batches, r.pending)
		r.work <- r.pending
		r.pending = nil
	}
}

// finish waits for every file added and returns their contents in the
// order they were added, reporting failures as readFile does; ok[i] says
// whether the i-th file was read.
func (r *fileReader) finish() (srcs []string, ok []bool) {
	r.flush()
	close(r.work)
	r.wg.Wait()
	for _, b := range r.batches {
		for i, err := range b.errs {
			if err != nil {
				r.l.diags = append(r.l.diags, diag.Errorf(b.files[i], 0, "cannot read: %s", pathErr(err)))
			}
			srcs = append(srcs, b.srcs[i])
			ok = append(ok, err == nil)
		}
	}
	return srcs, ok
}

// discoverMacros reads every .sql file of the macro paths.
func (l *loader) discoverMacros() {
	for _, dir := range l.p.MacroPaths {
		l.walkFiles(dir, func(file string) {
			if path.Ext(file) != ".sql" {
				return
			}
			if src, ok := l.readFile(file); ok {
				l.p.Macros = append(l.p.Macros, jinja.File{Path: file, Source: src})
			}
		})
	}
	sort.SliceStable(l.p.Macros, func(i, j int) bool { return l.p.Macros[i].Path < l.p.Macros[j].Path })
}

// discoverPropertyFiles notes the YAML files below dirs.
func (l *loader) discoverPropertyFiles(dirs []string) {
	for _, dir := range dirs {
		l.walkFiles(dir, func(file string) {
			if isYAMLFile(file) {
				l.addPropertyFile(file)
			}
		})
	}
}

func (l *loader) addPropertyFile(file string) {
	if !slices.Contains(l.propertyFiles, file) {
		l.propertyFiles = append(l.propertyFiles, file)
	}
}

// checkDuplicateModels reports enabled models that share a name.
func (l *loader) checkDuplicateModels() {
	first := map[string]*Model{}
	for _, m := range l.p.Models {
		if !m.Config.Enabled() {
			continue
		}
		prev, ok := first[m.Name]
		if !ok {
			first[m.Name] = m
			continue
		}
		d := diag.Errorf(m.Path, 0, "model name '%s' is used by both %s and %s", m.Name, prev.Path, m.Path)
		d.Hint = "rename one of the files, or disable one with enabled: false"
		l.diags = append(l.diags, d)
	}
}
