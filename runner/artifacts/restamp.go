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

// RestampManifest replaces the metadata of the manifest WriteManifest wrote
// at path, leaving every byte after it as it is: for a compile that found
// nothing changed, the nodes are those of the file. It writes through a
// rename, as WriteManifest does.
func RestampManifest(path string, meta Metadata) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	rest, ok := bytes.CutPrefix(data, []byte(manifestHead))
	if !ok {
		return errors.New(path + ": not a manifest written by kiln")
	}
	dec := json.NewDecoder(bytes.NewReader(rest))
	var old json.RawMessage
	if err := dec.Decode(&old); err != nil {
		return err
	}
	tail := rest[dec.InputOffset():]
	if !bytes.HasPrefix(tail, []byte(`,"nodes":`)) {
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
		_, err := w.Write(tail)
		return err
	})
}
