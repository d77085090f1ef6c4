package project

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/seed"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

func findSeed(t *testing.T, p *Project, name string) *Seed {
	t.Helper()
	for _, s := range p.Seeds {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no seed %q", name)
	return nil
}

const seedProject = `
	name: shop
	vars:
	  raw_schema: raw
	seeds:
	  +tags: base
	  shop:
	    +schema: "{{ var('raw_schema') }}"
	    +quote_columns: false
	    country_codes:
	      +column_types:
	        code: varchar(2)
	    finance:
	      +delimiter: "|"
	      +tags: [finance]
	      rates:
	        enabled: false
	    nope:
	      +schema: x
	`

func TestSeeds(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":            seedProject,
		"seeds/country_codes.csv":    "code,name\nfr,France\n",
		"seeds/finance/rates.csv":    "a|b\n",
		"seeds/finance/ledger.csv":   "a|b\n",
		"seeds/finance/readme.md":    "not a seed",
		"seeds/finance/finance.yml":  seedProperties,
		"models/orders.sql":          "select 1",
		"models/orders.yml":          "version: 2\nseeds:\n  - name: country_codes\n    description: ISO codes\n",
		"seeds/extra/properties.yml": "version: 2\nseeds:\n  - name: nonexistent\n",
	})
	var paths []string
	for _, s := range p.Seeds {
		paths = append(paths, s.Path)
	}
	if want := []string{"seeds/country_codes.csv", "seeds/finance/ledger.csv", "seeds/finance/rates.csv"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("paths = %v, want %v", paths, want)
	}

	cc := findSeed(t, p, "country_codes")
	if cc.ID() != "seed.shop.country_codes" || !reflect.DeepEqual(cc.FQN, []string{"shop", "country_codes"}) {
		t.Errorf("id %s, FQN %v", cc.ID(), cc.FQN)
	}
	if cc.Config.Schema() != "raw" || !reflect.DeepEqual(cc.Config.Tags(), []string{"base"}) ||
		cc.Description != "ISO codes" || cc.PatchPath != "models/orders.yml" {
		t.Errorf("country_codes: schema %q, tags %v, description %q, patch %q", cc.Config.Schema(), cc.Config.Tags(), cc.Description, cc.PatchPath)
	}
	if got, want := cc.ParseOptions(), (seed.Options{ColumnTypes: map[string]string{"code": "varchar(2)"}, Delimiter: ',', FoldCase: true}); !reflect.DeepEqual(got, want) {
		t.Errorf("ParseOptions = %+v, want %+v", got, want)
	}

	ledger := findSeed(t, p, "ledger")
	if !reflect.DeepEqual(ledger.FQN, []string{"shop", "finance", "ledger"}) || ledger.Delimiter() != '|' {
		t.Errorf("ledger: FQN %v, delimiter %q", ledger.FQN, ledger.Delimiter())
	}
	// The property file's config wins over the folders'; tags accumulate.
	if ledger.QuoteColumns() != true || ledger.Config.Alias() != "gl" ||
		!reflect.DeepEqual(ledger.Config.Tags(), []string{"base", "finance", "money"}) ||
		!reflect.DeepEqual(ledger.ColumnTypes(), map[string]string{"amount": "numeric(12,2)"}) {
		t.Errorf("ledger config = %v", ledger.Config)
	}
	if len(ledger.Columns) != 1 || ledger.Columns[0].Name != "amount" || ledger.Columns[0].Description != "in cents" ||
		len(ledger.Columns[0].Tests) != 1 || len(ledger.Tests) != 1 {
		t.Errorf("ledger columns %+v, tests %v", ledger.Columns, ledger.Tests)
	}
	if findSeed(t, p, "rates").Config.Enabled() {
		t.Error("rates is enabled")
	}

	var warnings []string
	for _, w := range p.Warnings {
		warnings = append(warnings, w.Error())
	}
	want := []string{
		"dbt_project.yml:17: warning: seeds.shop.nope matches no seed",
		"seeds/extra/properties.yml:3: warning: seed 'nonexistent' is described but no .csv file defines it",
	}
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(warnings, "\n"), strings.Join(want, "\n"))
	}
}

const seedProperties = `
	version: 2
	seeds:
	  - name: ledger
	    description: "{{ not rendered }}"
	    config:
	      alias: gl
	      tags: money
	      quote_columns: true
	      column_types: {amount: "numeric(12,2)"}
	    tests:
	      - dbt_utils.expression_is_true:
	          expression: "amount >= 0"
	    columns:
	      - name: amount
	        description: in cents
	        tests: [not_null]
	`

func TestSeedReadTable(t *testing.T) {
	fsys := mapFS(map[string]string{
		"dbt_project.yml":   "name: shop\nseeds:\n  shop:\n    +column_types: {Amount: bigint}\n",
		"seeds/ledger.csv":  "ID;Amount\n1;2\n",
		"seeds/ledger.yaml": "version: 2\nseeds:\n  - name: ledger\n    config: {delimiter: ';', quote_columns: false}\n",
	})
	p, err := Load(fsys, LoadOptions{EnvVar: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := p.Seeds[0].ReadTable(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []warehouse.Column{{Name: "id", Type: "integer"}, {Name: "amount", Type: "bigint"}}
	if !reflect.DeepEqual(tbl.Columns, want) || !reflect.DeepEqual(tbl.Values(), [][]any{{int64(1), int64(2)}}) {
		t.Errorf("table = %+v", tbl)
	}
	missing := &Seed{Name: "gone", Path: "seeds/gone.csv", FQN: []string{"shop", "gone"}}
	if _, err := missing.ReadTable(fsys); err == nil || err.Error() != "seeds/gone.csv: cannot read: file does not exist" {
		t.Errorf("missing file: %v", err)
	}
}

func TestSeedLoadErrors(t *testing.T) {
	list := loadErrs(t, map[string]string{
		"dbt_project.yml": `
			name: shop
			seeds:
			  shop:
			    +column_types: [a, b]
			    +quote_columns: "yes"
			    sub:
			      +delimiter: "||"
			      +column_types: {a: 5}
			`,
		"seeds/orders.csv":      "a\n",
		"seeds/sub/dup.csv":     "a\n",
		"seeds/other/dup.csv":   "a\n",
		"seeds/off/orders.csv":  "a\n",
		"seeds/off/props.yml":   "version: 2\nseeds:\n  - name: dup\n  - name: dup\n    config:\n      delimiter: 5\n",
		"models/orders.sql":     "select 1",
		"models/schema.yml":     "version: 2\n",
		"seeds/disabled.yml":    "version: 2\nseeds:\n  - name: orders\n    config: {enabled: false}\n",
		"seeds/unused/keep.txt": "",
	})
	want := []struct {
		file string
		line int
		text []string
	}{
		{"dbt_project.yml", 4, []string{"column_types must map column names to SQL types, got a list"}},
		{"dbt_project.yml", 5, []string{"quote_columns must be true or false, got 'yes'"}},
		{"dbt_project.yml", 7, []string{"delimiter must be one character", "got '||'"}},
		{"dbt_project.yml", 8, []string{"the type of column 'a' must be a SQL type name, got 5"}},
		{"seeds/off/props.yml", 4, []string{"seed 'dup' is described twice: here and at seeds/off/props.yml:3"}},
		{"seeds/off/props.yml", 6, []string{"delimiter must be one character", "got 5"}},
		{"seeds/sub/dup.csv", 0, []string{"seed name 'dup' is used by both seeds/other/dup.csv and seeds/sub/dup.csv"}},
	}
	for _, w := range want {
		if !hasDiag(list, w.file, w.line, w.text...) {
			t.Errorf("no error at %s:%d with %q in:\n%v", w.file, w.line, w.text, list)
		}
	}
	if len(list) != len(want) {
		t.Errorf("%d errors, want %d:\n%v", len(list), len(want), list)
	}
}

func TestSeedAndModelShareAName(t *testing.T) {
	list := loadErrs(t, map[string]string{
		"dbt_project.yml":      "name: shop\n",
		"seeds/customers.csv":  "id\n1\n",
		"models/customers.sql": "select 1",
	})
	if len(list) != 1 || list[0].Error() != "seeds/customers.csv: seed 'customers' has the name of model models/customers.sql; "+
		"ref('customers') cannot name both (rename one of the files, or disable one with enabled: false)" {
		t.Errorf("errors:\n%v", list)
	}
}
