package artifacts

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// writeDerived makes path hold data, reading it first to leave it alone
// when it already does, and returns the file's stamp. buf is scratch space
// kept between calls. It uses
// bare system calls (open, fstat, pread or pwrite, close): os.File adds a
// poller registration and several fcntl calls per file, which a compile
// of tens of thousands of models pays for each one.
func writeDerived(path, data string, buf *[]byte) (Stamp, error) {
	fd, err := openRW(path)
	if err == syscall.ENOENT {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return Stamp{}, err
		}
		fd, err = openRW(path)
	}
	if err != nil {
		return Stamp{}, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	stamp, err := fillDerived(fd, path, data, buf)
	if cerr := syscall.Close(fd); err == nil && cerr != nil {
		err = &fs.PathError{Op: "close", Path: path, Err: cerr}
	}
	return stamp, err
}

func openRW(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDWR|syscall.O_CREAT|syscall.O_CLOEXEC, 0o644)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}

// fillDerived makes the open file fd hold data, and returns its stamp.
func fillDerived(fd int, path, data string, buf *[]byte) (Stamp, error) {
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return Stamp{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Size == int64(len(data)) {
		if cap(*buf) < len(data) {
			*buf = make([]byte, len(data))
		}
		b := (*buf)[:len(data)]
		same, err := preadFull(fd, b)
		if err != nil {
			return Stamp{}, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if same && string(b) == data {
			return statStamp(&st), nil
		}
	}
	for off := 0; off < len(data); {
		n, err := syscall.Pwrite(fd, []byte(data[off:]), int64(off))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return Stamp{}, &fs.PathError{Op: "write", Path: path, Err: err}
		}
		off += n
	}
	if st.Size > int64(len(data)) {
		if err := syscall.Ftruncate(fd, int64(len(data))); err != nil {
			return Stamp{}, &fs.PathError{Op: "truncate", Path: path, Err: err}
		}
	}
	if err := syscall.Fstat(fd, &st); err != nil {
		return Stamp{}, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	return statStamp(&st), nil
}

// preadFull fills b from the start of fd; false if the file is shorter.
func preadFull(fd int, b []byte) (bool, error) {
	for off := 0; off < len(b); {
		n, err := syscall.Pread(fd, b[off:], int64(off))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return false, err
		}
		if n == 0 {
			return false, nil
		}
		off += n
	}
	return true, nil
}
