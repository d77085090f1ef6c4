//go:build !cgo

package features

import "errors"

// openDuckDB reports that a CGO_ENABLED=0 build has no DuckDB.
func openDuckDB() (warehouse, error) {
	return nil, errors.New("this test binary was built without cgo, so without DuckDB: run with CGO_ENABLED=1, or KILN_FEATURES_WAREHOUSE=postgres")
}
