//go:build !linux

package artifacts

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// writeDerived makes path hold data, reading it first to leave it alone
// when it already does, and returns the file's stamp. buf is scratch space
// kept between calls.
func writeDerived(path, data string, buf *[]byte) (Stamp, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return Stamp{}, err
		}
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	}
	if err != nil {
		return Stamp{}, err
	}
	same, size, err := holds(f, data, buf)
	if err == nil && !same {
		err = rewrite(f, data, size)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Stamp{}, err
	}
	stamp, _ := StampOf(path)
	return stamp, nil
}

// holds reports whether f, at its start, holds exactly data, and its size.
func holds(f *os.File, data string, buf *[]byte) (bool, int64, error) {
	info, err := f.Stat()
	if err != nil {
		return false, 0, err
	}
	size := info.Size()
	if size != int64(len(data)) {
		return false, size, nil
	}
	if cap(*buf) < len(data) {
		*buf = make([]byte, len(data))
	}
	b := (*buf)[:len(data)]
	if _, err := io.ReadFull(f, b); err != nil {
		return false, size, err
	}
	return string(b) == data, size, nil
}

// rewrite replaces the content of f, of the given size, with data.
func rewrite(f *os.File, data string, size int64) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		return err
	}
	if size > int64(len(data)) {
		return f.Truncate(int64(len(data)))
	}
	return nil
}
