package runner

import (
	"io/fs"
	"syscall"
)

// fileStampSys returns the change time and the inode number of a file.
func fileStampSys(info fs.FileInfo) (ctime, ino int64) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0
	}
	return st.Ctim.Sec*1e9 + st.Ctim.Nsec, int64(st.Ino)
}
