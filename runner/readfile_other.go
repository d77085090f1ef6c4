//go:build !linux

package runner

import (
	"errors"
	"io/fs"
	"os"
)

// readFile reads the file at path (called name in errors) whole; buf is
// not used here.
func readFile(path, name string, _ []byte) ([]byte, error) {
	data, err := os.ReadFile(path)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = name
	}
	return data, err
}
