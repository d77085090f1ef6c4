package runner

import (
	"io/fs"
	"os"
)

// fileStamp identifies one version of a file kiln wrote, without reading
// it: a file written again, in place or through a rename, or edited by
// hand, gets another stamp. On Linux it includes the inode and the change
// time, which no one can set back (fileStampSys).
type fileStamp struct {
	Size, Mtime, Ctime, Ino int64
}

// stampOf returns the stamp of the file at path; false if it is not a
// regular file or cannot be examined.
func stampOf(path string) (fileStamp, bool) {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return fileStamp{}, false
	}
	return stampOfInfo(info), true
}

func stampOfInfo(info fs.FileInfo) fileStamp {
	s := fileStamp{Size: info.Size(), Mtime: info.ModTime().UnixNano()}
	s.Ctime, s.Ino = fileStampSys(info)
	return s
}
