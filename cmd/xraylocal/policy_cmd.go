package main

import (
	"fmt"
	"io"
)

func policyCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "xraylocal policy: not available in this build")
	return 2
}
