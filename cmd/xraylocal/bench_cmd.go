package main

import (
	"fmt"
	"io"
)

func benchCommand(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "xraylocal bench: not available in this build")
	return 2
}
