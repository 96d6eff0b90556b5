// Command xraylocal serves the AWS X-Ray API on a developer's machine or a CI runner.
//
//	xraylocal [serve] [flags]   run the server (the default)
//	xraylocal policy ...        validate or simulate resource-policy documents
//	xraylocal bench ...         drive an X-Ray endpoint with load
//	xraylocal version           print the version
package main

import (
	"fmt"
	"io"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches to a subcommand and returns the process exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCommand(args, stdout, stderr)
	case "policy":
		return policyCommand(args, stdin, stdout, stderr)
	case "bench":
		return benchCommand(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "xraylocal", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "xraylocal: unknown command %q\n%s\n", cmd, usage)
		return 2
	}
}

const usage = `usage:
  xraylocal [serve] [flags]     serve the X-Ray API (see xraylocal serve -h)
  xraylocal policy validate FILE|-
  xraylocal policy simulate --policy FILE --principal P --action xray:Name [--context key=value]
  xraylocal bench [flags]       drive an X-Ray endpoint with load (see xraylocal bench -h)
  xraylocal version`
