package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/policy"
)

const policyUsage = `usage:
  xraylocal policy validate FILE|-
      Check a resource-policy document (rules V-1..V-12). Prints "valid" and exits 0,
      or prints one line per problem and exits 1; exits 2 when FILE cannot be read.
  xraylocal policy simulate --policy FILE [--policy FILE ...] --principal P --action xray:Name
                            [--context key=value ...] [--resource R]
      Decide one request against the documents together, as IAM would. P is an IAM or
      STS ARN, a 12-digit account id (its root), or a service principal such as
      sns.amazonaws.com. --context sets a condition key; a key given twice has both
      values. Prints allow, deny or implicit-deny, then the deciding statements.
      Exits 0 whatever the decision, 2 on bad arguments or an invalid policy.`

// maxPolicyFileBytes bounds what the command reads from a file or stdin; a
// document is at most 5120 bytes on the wire (rule P-2), so this leaves ample room
// for a file that is not a policy at all while still refusing to read without end.
const maxPolicyFileBytes = 1 << 20

// policyCommand runs `xraylocal policy validate|simulate` and returns the exit code.
func policyCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, policyUsage)
		return 2
	}
	switch args[0] {
	case "validate":
		return policyValidate(args[1:], stdin, stdout, stderr)
	case "simulate":
		return policySimulate(args[1:], stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, policyUsage)
		return 0
	}
	fmt.Fprintf(stderr, "xraylocal policy: unknown command %q\n%s\n", args[0], policyUsage)
	return 2
}

func policyValidate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stdout, policyUsage)
		return 0
	}
	if len(args) != 1 {
		fmt.Fprintf(stderr, "xraylocal policy validate: want exactly one FILE (or - for stdin), got %d arguments\n%s\n", len(args), policyUsage)
		return 2
	}
	doc, err := readPolicyFile(args[0], stdin)
	if err != nil {
		fmt.Fprintf(stderr, "xraylocal policy validate: %v\n", err)
		return 2
	}
	if _, err := policy.Parse(doc); err != nil {
		var verr *policy.ValidationError
		if !errors.As(err, &verr) {
			fmt.Fprintf(stdout, "%v\n", err)
			return 1
		}
		for _, p := range verr.Problems {
			fmt.Fprintln(stdout, p.String())
		}
		return 1
	}
	if n := len(doc); n > xraylocal.MaxPolicyDocumentBytes {
		// Valid by the V rules, but PutResourcePolicy would refuse it (rule P-2).
		fmt.Fprintf(stderr, "note: the document is %d bytes; PutResourcePolicy accepts at most %d (PolicySizeLimitExceededException)\n", n, xraylocal.MaxPolicyDocumentBytes)
	}
	fmt.Fprintln(stdout, "valid")
	return 0
}

// readPolicyFile reads a document from a file, or from stdin when name is "-".
func readPolicyFile(name string, stdin io.Reader) (string, error) {
	var r io.Reader
	if name == "-" {
		if stdin == nil {
			return "", errors.New("no standard input")
		}
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return "", err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPolicyFileBytes+1))
	if err != nil {
		return "", fmt.Errorf("%s: %w", displayName(name), err)
	}
	if len(b) > maxPolicyFileBytes {
		return "", fmt.Errorf("%s: larger than %d bytes; a resource policy is at most %d", displayName(name), maxPolicyFileBytes, xraylocal.MaxPolicyDocumentBytes)
	}
	return string(b), nil
}

func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}

// listFlag collects every use of a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func policySimulate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("xraylocal policy simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, policyUsage) }
	var policies, contexts listFlag
	fs.Var(&policies, "policy", "a policy document `FILE` (repeat for each of an account's policies; - for stdin)")
	principal := fs.String("principal", "", "who asks: an IAM or STS ARN, a 12-digit account id, or a service principal")
	action := fs.String("action", "", "the action, xray:<Operation>")
	fs.Var(&contexts, "context", "a condition key and value, `key=value` (repeat; a key given twice is multivalued)")
	resource := fs.String("resource", "*", "the resource ARN (\"*\" for X-Ray actions without a resource ARN)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "xraylocal policy simulate: "+format+"\n", args...)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case len(policies) == 0:
		return fail("give at least one --policy FILE")
	case *principal == "":
		return fail("give --principal (an IAM or STS ARN, a 12-digit account id, or a service principal)")
	case *action == "":
		return fail("give --action xray:<Operation>")
	}
	who, err := policy.ParsePrincipal(*principal)
	if err != nil {
		return fail("--principal %q: %v", *principal, err)
	}
	service, op, ok := strings.Cut(*action, ":")
	if !ok || !strings.EqualFold(service, "xray") || !policy.IsOperation(op) {
		return fail("--action %q is not an X-Ray action (xray:<Operation>, e.g. xray:PutTraceSegments)", *action)
	}

	// The request context starts with what the principal and the clock say (IAM
	// sets these global keys on every request); --context adds keys, and replaces
	// a default key it names.
	var ctx policy.Context
	policy.SetPrincipalKeys(&ctx, who)
	policy.SetTimeKeys(&ctx, time.Now())
	given := map[string]bool{}
	for _, kv := range contexts {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return fail("--context %q is not key=value", kv)
		}
		lk := strings.ToLower(k)
		if !given[lk] {
			ctx.Delete(k)
			given[lk] = true
		}
		ctx.Add(k, v)
	}

	parsed := make([]*policy.Policy, 0, len(policies))
	usedStdin := false
	for _, name := range policies {
		if name == "-" {
			if usedStdin {
				return fail("standard input can be given to --policy only once")
			}
			usedStdin = true
		}
		doc, err := readPolicyFile(name, stdin)
		if err != nil {
			return fail("%v", err)
		}
		pol, err := policy.Parse(doc)
		if err != nil {
			var verr *policy.ValidationError
			if errors.As(err, &verr) {
				for _, p := range verr.Problems {
					fmt.Fprintf(stderr, "%s: %s\n", displayName(name), p)
				}
			}
			return fail("%s is not a valid policy", displayName(name))
		}
		parsed = append(parsed, pol)
	}

	res := policy.Evaluate(parsed, &policy.Request{Principal: who, Action: *action, Resource: *resource, Context: ctx})
	fmt.Fprintln(stdout, res.Decision)
	for _, s := range res.Statements {
		fmt.Fprintf(stdout, "%s: %s\n", displayName(policies[s.Policy]), s.Statement.Label())
	}
	return 0
}
