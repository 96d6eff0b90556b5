package main

import (
	"fmt"
	"io"
)

func serveCommand(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "xraylocal serve: not available in this build")
	return 2
}
