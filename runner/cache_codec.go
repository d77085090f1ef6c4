package runner

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The cache file is a header, then one (path, entry) pair per model:
//
//	magic, format (uvarint), key (32 bytes), count (uvarint),
//	count × (path string, entry string)
//
// where a string is its length (uvarint) and its bytes. Entries are
// decoded only when their model is loaded, on the render workers, and
// copied as they are when the cache is written again. Every string
// decoded shares the memory of the file read.

// cacheMagic starts every cache file.
const cacheMagic = "kiln parse cache\n"

// cacheFormat changes whenever the encoding does.
const cacheFormat = 1

// maxValueDepth bounds the nesting of config values, so that a damaged
// file cannot exhaust the stack.
const maxValueDepth = 64

// writeCacheFile writes the entries raws of nodes, leaving out the empty
// ones (models whose render could not be recorded).
func writeCacheFile(w io.Writer, key [32]byte, nodes []*Node, raws []string) error {
	b := append([]byte(cacheMagic), binary.AppendUvarint(nil, cacheFormat)...)
	b = append(b, key[:]...)
	count := 0
	for _, raw := range raws {
		if raw != "" {
			count++
		}
	}
	b = binary.AppendUvarint(b, uint64(count))
	for i, raw := range raws {
		if raw == "" {
			continue
		}
		b = appendString(b, nodes[i].Path)
		b = binary.AppendUvarint(b, uint64(len(raw)))
		if _, err := w.Write(b); err != nil {
			return err
		}
		if _, err := io.WriteString(w, raw); err != nil {
			return err
		}
		b = b[:0]
	}
	_, err := w.Write(b)
	return err
}

// decodeCacheFile splits a cache file written with key into its entries
// by model path; false if it was written with another key or is damaged.
func decodeCacheFile(data string, key [32]byte) (map[string]*cacheSpan, bool) {
	d := decoder{s: data}
	if d.take(len(cacheMagic)) != cacheMagic || d.uvarint() != cacheFormat || d.take(32) != string(key[:]) {
		return nil, false
	}
	n := d.count()
	spans := make(map[string]*cacheSpan, n)
	for range n {
		path, raw := d.str(), d.str()
		spans[path] = &cacheSpan{raw: raw}
	}
	if d.bad || d.off != len(d.s) {
		return nil, false
	}
	return spans, true
}

func encodeEntry(e *cacheEntry) string {
	// Room for the SQL and a little more, so that most entries are encoded
	// without growing the buffer.
	b := append(make([]byte, 0, len(e.Source)+len(e.SQL)+512), e.Source[:]...)
	b = appendString(b, e.SQL)
	b = binary.AppendUvarint(b, uint64(e.ConfigLine))
	b = appendPairs(b, e.Config)
	b = appendCalls(b, e.Refs)
	b = appendCalls(b, e.Sources)
	b = binary.AppendUvarint(b, uint64(len(e.SourceRels)))
	for _, r := range e.SourceRels {
		b = appendRelation(b, r)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Handed)))
	for _, h := range e.Handed {
		b = appendString(b, h.Name)
		b = appendRelation(b, h.Rel)
	}
	b = appendReads(b, e.Vars)
	b = appendReads(b, e.Env)
	return string(b)
}

func decodeEntry(raw string) (*cacheEntry, bool) {
	d := decoder{s: raw}
	e := &cacheEntry{}
	copy(e.Source[:], d.take(32))
	e.SQL = d.str()
	e.ConfigLine = int(d.uvarint())
	e.Config = d.pairs(0)
	e.Refs = d.calls()
	e.Sources = d.calls()
	if n := d.count(); n > 0 {
		e.SourceRels = make([]warehouse.Relation, n)
		for i := range e.SourceRels {
			e.SourceRels[i] = d.relation()
		}
	}
	if n := d.count(); n > 0 {
		e.Handed = make([]handedRelation, n)
		for i := range e.Handed {
			e.Handed[i] = handedRelation{Name: d.str(), Rel: d.relation()}
		}
	}
	e.Vars = d.reads()
	e.Env = d.reads()
	if d.bad || d.off != len(d.s) {
		return nil, false
	}
	return e, true
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendRelation(b []byte, r warehouse.Relation) []byte {
	return appendString(appendString(appendString(b, r.Database), r.Schema), r.Name)
}

func appendCalls(b []byte, calls []jinja.Call) []byte {
	b = binary.AppendUvarint(b, uint64(len(calls)))
	for _, c := range calls {
		b = binary.AppendUvarint(b, uint64(len(c.Args)))
		for _, a := range c.Args {
			b = appendString(b, a)
		}
		b = binary.AppendUvarint(b, uint64(c.Line))
	}
	return b
}

func appendReads(b []byte, reads []inputRead) []byte {
	b = binary.AppendUvarint(b, uint64(len(reads)))
	for _, r := range reads {
		b = appendString(b, r.Name)
		b = append(b, r.Hash[:]...)
	}
	return b
}

func appendPairs(b []byte, pairs []cachedPair) []byte {
	b = binary.AppendUvarint(b, uint64(len(pairs)))
	for _, p := range pairs {
		b = appendString(b, p.Key)
		b = appendValue(b, p.Value)
	}
	return b
}

func appendValue(b []byte, v cachedValue) []byte {
	b = append(b, v.Kind)
	switch v.Kind {
	case 'b':
		if v.Bool {
			return append(b, 1)
		}
		return append(b, 0)
	case 'i':
		return binary.AppendVarint(b, v.Int)
	case 'f':
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v.Float))
	case 's':
		return appendString(b, v.Str)
	case 'l':
		b = binary.AppendUvarint(b, uint64(len(v.List)))
		for _, e := range v.List {
			b = appendValue(b, e)
		}
		return b
	case 'm':
		return appendPairs(b, v.Map)
	}
	return b
}

// decoder reads what the append functions wrote. After the first problem
// it returns zero values and bad is set.
type decoder struct {
	s   string
	off int
	bad bool
}

func (d *decoder) take(n int) string {
	if d.bad || n < 0 || n > len(d.s)-d.off {
		d.bad = true
		return ""
	}
	s := d.s[d.off : d.off+n]
	d.off += n
	return s
}

// uvarint is binary.Uvarint on the string.
func (d *decoder) uvarint() uint64 {
	var v uint64
	for shift := 0; !d.bad && shift < 64; shift += 7 {
		if d.off >= len(d.s) {
			break
		}
		b := d.s[d.off]
		d.off++
		if b < 0x80 {
			if shift == 63 && b > 1 {
				break
			}
			return v | uint64(b)<<shift
		}
		v |= uint64(b&0x7f) << shift
	}
	d.bad = true
	return 0
}

// varint is binary.Varint on the string.
func (d *decoder) varint() int64 {
	u := d.uvarint()
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

// count reads a number of items, each at least one byte long.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.off) {
		d.bad = true
		return 0
	}
	return int(n)
}

func (d *decoder) str() string { return d.take(d.count()) }

func (d *decoder) relation() warehouse.Relation {
	return warehouse.Relation{Database: d.str(), Schema: d.str(), Name: d.str()}
}

func (d *decoder) calls() []jinja.Call {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]jinja.Call, n)
	for i := range out {
		args := make([]string, d.count())
		for j := range args {
			args[j] = d.str()
		}
		out[i] = jinja.Call{Args: args, Line: int(d.uvarint())}
	}
	return out
}

func (d *decoder) reads() []inputRead {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]inputRead, n)
	for i := range out {
		out[i].Name = d.str()
		copy(out[i].Hash[:], d.take(32))
	}
	return out
}

func (d *decoder) pairs(depth int) []cachedPair {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]cachedPair, n)
	for i := range out {
		out[i] = cachedPair{Key: d.str(), Value: d.value(depth)}
	}
	return out
}

func (d *decoder) value(depth int) cachedValue {
	if depth > maxValueDepth {
		d.bad = true
		return cachedValue{}
	}
	kind := d.take(1)
	if d.bad {
		return cachedValue{}
	}
	v := cachedValue{Kind: kind[0]}
	switch v.Kind {
	case 'n':
	case 'b':
		v.Bool = d.take(1) == "\x01"
	case 'i':
		v.Int = d.varint()
	case 'f':
		if bits := d.take(8); !d.bad {
			v.Float = math.Float64frombits(binary.LittleEndian.Uint64([]byte(bits)))
		}
	case 's':
		v.Str = d.str()
	case 'l':
		v.List = make([]cachedValue, d.count())
		for i := range v.List {
			v.List[i] = d.value(depth + 1)
		}
	case 'm':
		v.Map = d.pairs(depth + 1)
	default:
		d.bad = true
	}
	return v
}

// cachedValue is a config value of a render: what jinja's toGo gives, nil,
// bool, int, float64, string, []any or map[string]any.
type cachedValue struct {
	Kind  byte // 'n', 'b', 'i', 'f', 's', 'l' or 'm', as cachedValueOf sets it
	Bool  bool
	Int   int64
	Float float64
	Str   string
	List  []cachedValue
	Map   []cachedPair
}

type cachedPair struct {
	Key   string
	Value cachedValue
}

// cachedValueOf records v; false for a value of another type.
func cachedValueOf(v any, depth int) (cachedValue, bool) {
	if depth > maxValueDepth {
		return cachedValue{}, false
	}
	switch x := v.(type) {
	case nil:
		return cachedValue{Kind: 'n'}, true
	case bool:
		return cachedValue{Kind: 'b', Bool: x}, true
	case int:
		return cachedValue{Kind: 'i', Int: int64(x)}, true
	case float64:
		return cachedValue{Kind: 'f', Float: x}, true
	case string:
		return cachedValue{Kind: 's', Str: x}, true
	case []any:
		out := cachedValue{Kind: 'l', List: make([]cachedValue, 0, len(x))}
		for _, e := range x {
			cv, ok := cachedValueOf(e, depth+1)
			if !ok {
				return cachedValue{}, false
			}
			out.List = append(out.List, cv)
		}
		return out, true
	case map[string]any:
		out := cachedValue{Kind: 'm', Map: make([]cachedPair, 0, len(x))}
		for _, k := range sortedNames(x) {
			cv, ok := cachedValueOf(x[k], depth+1)
			if !ok {
				return cachedValue{}, false
			}
			out.Map = append(out.Map, cachedPair{Key: k, Value: cv})
		}
		return out, true
	}
	return cachedValue{}, false
}

// value is the Go value recorded; decoding makes sure the kind is known.
func (v cachedValue) value() any {
	switch v.Kind {
	case 'b':
		return v.Bool
	case 'i':
		return int(v.Int)
	case 'f':
		return v.Float
	case 's':
		return v.Str
	case 'l':
		out := make([]any, len(v.List))
		for i, e := range v.List {
			out[i] = e.value()
		}
		return out
	case 'm':
		out := make(map[string]any, len(v.Map))
		for _, p := range v.Map {
			out[p.Key] = p.Value.value()
		}
		return out
	}
	return nil
}

func varHash(v any, ok bool) ([32]byte, bool) {
	h := sha256.New()
	hashBool(h, ok)
	if !hashValue(h, v) {
		return [32]byte{}, false
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum, true
}

func envHash(v string, ok bool) [32]byte {
	h := sha256.New()
	hashBool(h, ok)
	if ok {
		hashString(h, v)
	}
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// hashValue writes v to h so that different values, of the types that
// vars, YAML and templates produce, never write the same bytes. false for
// a value of another type.
func hashValue(h io.Writer, v any) bool {
	switch x := v.(type) {
	case nil:
		h.Write([]byte{'n'})
	case bool:
		h.Write([]byte{'b'})
		hashBool(h, x)
	case int:
		h.Write([]byte{'i'})
		hashInt(h, int64(x))
	case int64:
		h.Write([]byte{'I'})
		hashInt(h, x)
	case uint64:
		h.Write([]byte{'u'})
		hashString(h, strconv.FormatUint(x, 10))
	case float64:
		h.Write([]byte{'f'})
		hashInt(h, int64(math.Float64bits(x)))
	case string:
		h.Write([]byte{'s'})
		hashString(h, x)
	case time.Time:
		h.Write([]byte{'t'})
		hashString(h, x.Format(time.RFC3339Nano))
		hashString(h, x.Location().String())
	case []any:
		h.Write([]byte{'l'})
		hashInt(h, len(x))
		for _, e := range x {
			if !hashValue(h, e) {
				return false
			}
		}
	case []string:
		h.Write([]byte{'L'})
		hashInt(h, len(x))
		for _, e := range x {
			hashString(h, e)
		}
	case map[string]any:
		h.Write([]byte{'m'})
		hashInt(h, len(x))
		for _, k := range sortedNames(x) {
			hashString(h, k)
			if !hashValue(h, x[k]) {
				return false
			}
		}
	case map[string]string:
		h.Write([]byte{'M'})
		hashInt(h, len(x))
		for _, k := range sortedNames(x) {
			hashString(h, k)
			hashString(h, x[k])
		}
	default:
		return false
	}
	return true
}

func hashString(h io.Writer, s string) {
	hashInt(h, len(s))
	io.WriteString(h, s)
}

func hashInt[I int | int64](h io.Writer, i I) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(i))
	h.Write(b[:])
}

func hashBool(h io.Writer, b bool) {
	if b {
		h.Write([]byte{1})
	} else {
		h.Write([]byte{0})
	}
}
