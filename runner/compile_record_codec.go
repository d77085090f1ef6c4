package runner

import (
	"encoding/binary"

	"github.com/kiln-dev/kiln/runner/artifacts"
	"github.com/kiln-dev/kiln/runner/diag"
)

// The compile record file is, with strings and reads encoded as in
// cache_codec.go:
//
//	magic, format (uvarint), key (32 bytes),
//	observations: count × (op byte, name string, hash 32 bytes),
//	environment reads: reads,
//	outputs: count × (path string, stamp), then the manifest (path, stamp),
//	nodes: count × (id string, compiled path string),
//	warnings: count × diagnostic,
//
// where a stamp is four varints and a diagnostic is file, line, column,
// node, message, hint and severity.

const recordMagic = "kiln compile record\n"

// recordFormat changes whenever the encoding does.
const recordFormat = 1

func encodeRecord(r *compileRecord) []byte {
	size := len(recordMagic) + 64
	for _, o := range r.Seen {
		size += len(o.name) + 40
	}
	for _, f := range r.Outputs {
		size += len(f.Path) + 48
	}
	for _, n := range r.Nodes {
		size += len(n.NodeID) + len(n.Path) + 8
	}
	b := append(make([]byte, 0, size), recordMagic...)
	b = binary.AppendUvarint(b, recordFormat)
	b = append(b, r.Key[:]...)
	b = binary.AppendUvarint(b, uint64(len(r.Seen)))
	for _, o := range r.Seen {
		b = append(b, o.op)
		b = appendString(b, o.name)
		b = append(b, o.sum[:]...)
	}
	b = appendReads(b, r.Env)
	b = binary.AppendUvarint(b, uint64(len(r.Outputs)))
	for _, f := range r.Outputs {
		b = appendStamped(b, f)
	}
	b = appendStamped(b, r.Manifest)
	b = binary.AppendUvarint(b, uint64(len(r.Nodes)))
	for _, n := range r.Nodes {
		b = appendString(appendString(b, n.NodeID), n.Path)
	}
	b = binary.AppendUvarint(b, uint64(len(r.Warnings)))
	for _, w := range r.Warnings {
		b = appendString(b, w.File)
		b = binary.AppendVarint(b, int64(w.Line))
		b = binary.AppendVarint(b, int64(w.Col))
		b = appendString(b, w.Node)
		b = appendString(b, w.Message)
		b = appendString(b, w.Hint)
		b = binary.AppendVarint(b, int64(w.Severity))
	}
	return b
}

func appendStamped(b []byte, f stampedFile) []byte {
	b = appendString(b, f.Path)
	for _, v := range [...]int64{f.Stamp.Size, f.Stamp.Mtime, f.Stamp.Ctime, f.Stamp.Ino} {
		b = binary.AppendVarint(b, v)
	}
	return b
}

// decodeRecord reads a record file; false if it is damaged or of another
// format.
func decodeRecord(data string) (*compileRecord, bool) {
	d := decoder{s: data}
	if d.take(len(recordMagic)) != recordMagic || d.uvarint() != recordFormat {
		return nil, false
	}
	r := &compileRecord{}
	copy(r.Key[:], d.take(32))
	r.Seen = make([]observed, d.count())
	for i := range r.Seen {
		o := &r.Seen[i]
		if op := d.take(1); op != "" {
			o.op = op[0]
		}
		o.name = d.str()
		copy(o.sum[:], d.take(32))
	}
	r.Env = d.reads()
	r.Outputs = make([]stampedFile, d.count())
	for i := range r.Outputs {
		r.Outputs[i] = d.stamped()
	}
	r.Manifest = d.stamped()
	r.Nodes = make([]CompiledFile, d.count())
	for i := range r.Nodes {
		r.Nodes[i] = CompiledFile{NodeID: d.str(), Path: d.str()}
	}
	r.Warnings = make([]diag.Diagnostic, d.count())
	for i := range r.Warnings {
		r.Warnings[i] = diag.Diagnostic{File: d.str(), Line: int(d.varint()), Col: int(d.varint()),
			Node: d.str(), Message: d.str(), Hint: d.str(), Severity: diag.Severity(d.varint())}
	}
	if d.bad || d.off != len(d.s) {
		return nil, false
	}
	return r, true
}

func (d *decoder) stamped() stampedFile {
	f := stampedFile{Path: d.str()}
	f.Stamp = artifacts.Stamp{Size: d.varint(), Mtime: d.varint(), Ctime: d.varint(), Ino: d.varint()}
	return f
}
