// Command kiln runs dbt-format SQL projects against PostgreSQL.
package main

import (
	"os"

	"github.com/kiln-dev/kiln/cmd/kiln/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
