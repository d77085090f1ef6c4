//go:build !cgo

package main

import "errors"

// openDuckDB reports that a CGO_ENABLED=0 build has no DuckDB.
func openDuckDB(string) (warehouse, error) {
	return nil, errors.New("this example was built without DuckDB (CGO_ENABLED=0); run it with -postgres, or build with cgo")
}
