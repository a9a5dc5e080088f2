// Command portal is Gongshi's single binary: the public portal and API
// server, the search indexer, migrations, file import, demo data and API
// keys. Run "portal help" for the subcommands.
package main

import (
	"os"

	_ "time/tzdata" // dates are Asia/Shanghai everywhere, even on minimal images

	"github.com/gongshi/gongshi/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
