package artifacts

import "sync"

// File is a file to write and its content.
type File struct {
	Path string
	Data string
}

// WriteDerived writes files that kiln derives again on every run, such as
// compiled SQL, with up to workers writes at once. A file that already
// holds its content is left alone, modification time included; the others
// are written in place, not through a temporary file, since an interrupted
// write only leaves a file that the next run rewrites. Directories are
// created as needed. It returns the stamp of each file as it leaves it
// (zero where that is not known), and the error, if any, of the first
// failing file in the order given.
func WriteDerived(files []File, workers int) ([]Stamp, error) {
	workers = max(1, min(workers, len(files)))
	errs := make([]error, len(files))
	stamps := make([]Stamp, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for i := range next {
				stamps[i], errs[i] = writeDerived(files[i].Path, files[i].Data, &buf)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return stamps, nil
}

// WriteDerivedFile is WriteDerived for one file, on the caller's goroutine;
// buf is scratch space the caller keeps between calls.
func WriteDerivedFile(path, data string, buf *[]byte) error {
	_, err := writeDerived(path, data, buf)
	return err
}
