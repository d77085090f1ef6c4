package runner

import (
	"strings"

	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// schemaFor is dbt's default generate_schema_name: no custom schema gives
// the target schema; custom schema x gives <target_schema>_x.
func schemaFor(targetSchema, custom string) string {
	custom = strings.TrimSpace(custom)
	if custom == "" {
		return targetSchema
	}
	return targetSchema + "_" + custom
}

// relationFor is where a model with config c ends up.
func relationFor(t *project.Target, name string, c project.Config) warehouse.Relation {
	alias := c.Alias()
	if alias == "" {
		alias = name
	}
	return warehouse.Relation{Database: t.DBName, Schema: schemaFor(t.Schema, c.Schema()), Name: alias}
}
