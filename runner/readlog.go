package runner

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"sort"
	"sync"
)

// readLog is the project directory as a load reads it. It records what
// every read saw, so that the parse cache can key on the files' contents
// and the compile record (compile_record.go) can tell, by reading again,
// that a load would see the same project:
//
//   - a file read whole: the hash of its content, or that it was missing;
//   - a directory listed: the hash of its entries' names and kinds;
//   - a path examined with Stat: whether it exists, and whether as a
//     directory.
//
// A file opened rather than read whole, or a read that failed for another
// reason than absence, makes the log incomplete: what the load saw is not
// known, so neither cache may be used.
type readLog struct {
	fsys       fs.FS
	mu         sync.Mutex
	seen       map[observation][32]byte
	incomplete bool
}

// observation is one kind of look at one path.
type observation struct {
	op   byte // opRead, opList or opStat
	name string
}

const (
	opRead byte = 'r'
	opList byte = 'l'
	opStat byte = 's'
)

func newReadLog(fsys fs.FS) *readLog {
	return &readLog{fsys: fsys, seen: map[observation][32]byte{}}
}

// ReadFile implements fs.ReadFileFS.
func (r *readLog) ReadFile(name string) ([]byte, error) {
	data, err := fs.ReadFile(r.fsys, name)
	sum, ok := readSum(data, err)
	r.note(observation{opRead, name}, sum, ok)
	return data, err
}

// Open implements fs.FS. What is read from the file is not recorded, so
// the log is incomplete.
func (r *readLog) Open(name string) (fs.File, error) {
	r.note(observation{}, [32]byte{}, false)
	return r.fsys.Open(name)
}

// ReadDir implements fs.ReadDirFS.
func (r *readLog) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(r.fsys, name)
	sum, ok := listSum(entries, err)
	r.note(observation{opList, name}, sum, ok)
	return entries, err
}

// Stat implements fs.StatFS.
func (r *readLog) Stat(name string) (fs.FileInfo, error) {
	info, err := fs.Stat(r.fsys, name)
	sum, ok := statSum(info, err)
	r.note(observation{opStat, name}, sum, ok)
	return info, err
}

func (r *readLog) note(o observation, sum [32]byte, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !ok {
		r.incomplete = true
		return
	}
	r.seen[o] = sum
}

// files returns the content hash of every file read, by path, and whether
// the log is complete.
func (r *readLog) files() (map[string][32]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string][32]byte, len(r.seen))
	for o, sum := range r.seen {
		if o.op == opRead && sum != ([32]byte{}) {
			out[o.name] = sum
		}
	}
	return out, !r.incomplete
}

// observations returns every observation in a fixed order, and whether
// the log is complete.
func (r *readLog) observations() ([]observed, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]observed, 0, len(r.seen))
	for o, sum := range r.seen {
		out = append(out, observed{observation: o, sum: sum})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].name != out[j].name {
			return out[i].name < out[j].name
		}
		return out[i].op < out[j].op
	})
	return out, !r.incomplete
}

// observed is an observation and the hash of what it saw.
type observed struct {
	observation
	sum [32]byte
}

// look makes the observation o again on fsys and returns the hash of what
// it sees; false when that cannot be known. scratch is reused between
// calls on one goroutine.
func look(fsys projectFS, o observation, scratch *[]byte) ([32]byte, bool) {
	switch o.op {
	case opRead:
		data, err := fsys.readInto(o.name, scratch)
		return readSum(data, err)
	case opList:
		entries, err := fs.ReadDir(fsys, o.name)
		return listSum(entries, err)
	case opStat:
		info, err := fs.Stat(fsys, o.name)
		return statSum(info, err)
	}
	return [32]byte{}, false
}

// A path that does not exist is recorded with the zero hash, which is the
// SHA-256 of nothing known.

func readSum(data []byte, err error) ([32]byte, bool) {
	if err != nil {
		return [32]byte{}, errors.Is(err, fs.ErrNotExist)
	}
	return sha256.Sum256(data), true
}

func listSum(entries []fs.DirEntry, err error) ([32]byte, bool) {
	if err != nil {
		return [32]byte{}, errors.Is(err, fs.ErrNotExist)
	}
	h := sha256.New()
	hashString(h, "list")
	hashInt(h, len(entries))
	for _, e := range entries {
		hashString(h, e.Name())
		hashBool(h, e.IsDir())
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, true
}

func statSum(info fs.FileInfo, err error) ([32]byte, bool) {
	if err != nil {
		return [32]byte{}, errors.Is(err, fs.ErrNotExist)
	}
	h := sha256.New()
	hashString(h, "stat")
	hashBool(h, info.IsDir())
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, true
}
