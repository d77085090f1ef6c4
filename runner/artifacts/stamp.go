package artifacts

import (
	"io/fs"
	"os"
)

// Stamp identifies one version of a file kiln wrote, without reading it:
// a file written again, in place or through a rename, or edited by hand,
// gets another stamp. On Linux it includes the inode and the change time,
// which no one can set back (stampSys).
type Stamp struct {
	Size, Mtime, Ctime, Ino int64
}

// StampOf returns the stamp of the file at path; false if it is not a
// regular file or cannot be examined.
func StampOf(path string) (Stamp, bool) {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return Stamp{}, false
	}
	return stampOfInfo(info), true
}

func stampOfInfo(info fs.FileInfo) Stamp {
	s := Stamp{Size: info.Size(), Mtime: info.ModTime().UnixNano()}
	s.Ctime, s.Ino = stampSys(info)
	return s
}
