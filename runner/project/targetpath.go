package project

import (
	"io/fs"

	"github.com/kiln-dev/kiln/runner/diag"
)

// ReadTargetPath reads only the target-path: of dbt_project.yml (default
// "target"), for commands that read earlier artifacts before loading.
func ReadTargetPath(fsys fs.FS) (string, error) {
	data, err := fs.ReadFile(fsys, projectFile)
	if err != nil {
		return "", diag.Errorf(projectFile, 0, "cannot read: %s", pathErr(err))
	}
	root, err := parseYAML(projectFile, data)
	if err != nil {
		return "", err
	}
	for _, p := range pairs(root) {
		if p.Key == "target-path" {
			if s, ok := stringValue(p.Value); ok && s != "" {
				return s, nil
			}
		}
	}
	return "target", nil
}
