package features

import (
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// copyDir copies a directory of the project (e.g. target, to keep a
// production manifest for --state) to another one.
func (s *scenario) copyDir(from, to string) error {
	src, dst := filepath.Join(s.dir, from), filepath.Join(s.dir, to)
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("cannot copy %s: %w", from, err)
	}
	return copyTree(src, dst)
}

// addTarget adds an output named name to the scenario's profile, like dev
// but with another schema, so that a scenario can build "production".
func (s *scenario) addTarget(name, schema string) error {
	path := filepath.Join(s.dir, "profiles.yml")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var profiles map[string]map[string]any
	if err := yaml.Unmarshal(data, &profiles); err != nil {
		return err
	}
	outputs := profiles[s.profile]["outputs"].(map[string]any)
	dev := outputs["dev"].(map[string]any)
	out := map[string]any{}
	for k, v := range dev {
		out[k] = v
	}
	out["schema"] = s.expand(schema)
	outputs[name] = out
	b, err := yaml.Marshal(profiles)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
