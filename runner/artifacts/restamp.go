package artifacts

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
)

// manifestHead is how WriteManifest starts every manifest.
const manifestHead = `{"metadata":`

// metadataRoom is how far into a manifest its metadata must end.
const metadataRoom = 64 << 10

// RestampManifest replaces the metadata of the manifest WriteManifest wrote
// at path, leaving every byte after it as it is: for a compile that found
// nothing changed, the nodes are those of the file. It writes through a
// rename, as WriteManifest does; the nodes are copied by the kernel
// (copy_file_range where there is one), not read into memory.
func RestampManifest(path string, meta Metadata) error {
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	start := make([]byte, metadataRoom)
	n, err := io.ReadFull(src, start)
	if err != nil && err != io.ErrUnexpectedEOF {
		return err
	}
	rest, ok := bytes.CutPrefix(start[:n], []byte(manifestHead))
	if !ok {
		return errors.New(path + ": not a manifest written by kiln")
	}
	dec := json.NewDecoder(bytes.NewReader(rest))
	var old json.RawMessage
	if err := dec.Decode(&old); err != nil {
		return errors.New(path + ": not a manifest written by kiln: " + err.Error())
	}
	tail := int64(len(manifestHead)) + dec.InputOffset()
	if !bytes.HasPrefix(start[tail:n], []byte(`,"nodes":`)) {
		return errors.New(path + ": not a manifest written by kiln")
	}
	head, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	return WriteWith(path, func(w io.Writer) error {
		if _, err := io.WriteString(w, manifestHead); err != nil {
			return err
		}
		if _, err := w.Write(head); err != nil {
			return err
		}
		// An empty buffer hands the copy to the file itself.
		if f, ok := w.(interface{ Flush() error }); ok {
			if err := f.Flush(); err != nil {
				return err
			}
		}
		if _, err := src.Seek(tail, io.SeekStart); err != nil {
			return err
		}
		_, err := io.Copy(w, src)
		return err
	})
}
