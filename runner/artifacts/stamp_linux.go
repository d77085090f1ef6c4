package artifacts

import (
	"io/fs"
	"syscall"
)

// stampSys returns the change time and the inode number of a file.
func stampSys(info fs.FileInfo) (ctime, ino int64) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0
	}
	return statStamp(st).Ctime, int64(st.Ino)
}

// statStamp is the stamp of a file fstat described.
func statStamp(st *syscall.Stat_t) Stamp {
	return Stamp{
		Size:  st.Size,
		Mtime: st.Mtim.Sec*1e9 + st.Mtim.Nsec,
		Ctime: st.Ctim.Sec*1e9 + st.Ctim.Nsec,
		Ino:   int64(st.Ino),
	}
}
