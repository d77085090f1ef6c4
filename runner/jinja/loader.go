package jinja

import (
	"fmt"
	"io"
	"strings"

	"github.com/nikolalohinski/gonja/v2/loaders"
)

// sourceLoader hands gonja the one template being compiled. dbt has no
// include or import between project files (macros are global instead), so
// any other name is an error; the zero sourceLoader, used while rendering,
// loads nothing.
type sourceLoader struct {
	name, source string
}

var _ loaders.Loader = sourceLoader{}

func (l sourceLoader) Read(path string) (io.Reader, error) {
	if l.name == "" || path != l.name {
		return nil, fmt.Errorf("cannot load '%s': templates cannot include other files", path)
	}
	return strings.NewReader(l.source), nil
}

func (l sourceLoader) Resolve(path string) (string, error) {
	if l.name == "" || path != l.name {
		return "", fmt.Errorf("cannot load '%s': templates cannot include other files", path)
	}
	return path, nil
}

func (l sourceLoader) Inherit(string) (loaders.Loader, error) { return l, nil }
