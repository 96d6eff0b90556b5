package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	snsPolicy  = `{"Version":"2012-10-17","Statement":[{"Sid":"SNSAccess","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":["xray:PutTraceSegments","xray:GetSamplingRules","xray:GetSamplingTargets"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"},"StringLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:orders-*"}}}]}`
	denyPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"xray:*","Resource":"*"},{"Sid":"NoPolicyEdits","Effect":"Deny","Principal":"*","Action":"xray:*ResourcePolicy","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	badPolicy  = `{"Version":"2012-10-17","Statement":[{"Sid":"SNSAccess","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"s3:GetObject","Resource":"x"}]}`
)

// writeFiles writes name → content into a temporary directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type cmdResult struct {
	Code   int
	Stdout string
}

func runPolicy(t *testing.T, stdin string, args ...string) (cmdResult, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := policyCommand(args, strings.NewReader(stdin), &out, &errOut)
	return cmdResult{Code: code, Stdout: out.String()}, errOut.String()
}

func TestPolicyValidate(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"sns.json": snsPolicy, "bad.json": badPolicy, "empty.json": "", "big.json": strings.Replace(snsPolicy, `"Version"`, strings.Repeat(" ", 6000)+`"Version"`, 1)})
	tests := []struct {
		name       string
		args       []string
		stdin      string
		want       cmdResult
		wantStderr string // a substring; "" means stderr must be empty
	}{
		{name: "valid file", args: []string{"validate", filepath.Join(dir, "sns.json")}, want: cmdResult{0, "valid\n"}},
		{name: "valid stdin", args: []string{"validate", "-"}, stdin: snsPolicy, want: cmdResult{0, "valid\n"}},
		{name: "invalid file, one line per problem", args: []string{"validate", filepath.Join(dir, "bad.json")}, want: cmdResult{1,
			`statement 1 ("SNSAccess"): Action: "s3:GetObject" is not an X-Ray action; use "*" or xray:<Operation>` + "\n" +
				`statement 1 ("SNSAccess"): Resource: "x" is not "*" or an X-Ray ARN (arn:<partition>:xray:<region>:<account>:<resource>)` + "\n"}},
		{name: "empty file", args: []string{"validate", filepath.Join(dir, "empty.json")}, want: cmdResult{1, "the policy document is empty; it must be a JSON object\n"}},
		{name: "not JSON on stdin", args: []string{"validate", "-"}, stdin: "{", want: cmdResult{1, "the policy document is not valid JSON: expected a member name but found end of input at byte 1\n"}},
		{name: "valid but over the size limit", args: []string{"validate", filepath.Join(dir, "big.json")}, want: cmdResult{0, "valid\n"}, wantStderr: "at most 5120"},
		{name: "missing file", args: []string{"validate", filepath.Join(dir, "nope.json")}, want: cmdResult{2, ""}, wantStderr: "no such file"},
		{name: "no file", args: []string{"validate"}, want: cmdResult{2, ""}, wantStderr: "exactly one FILE"},
		{name: "two files", args: []string{"validate", "a", "b"}, want: cmdResult{2, ""}, wantStderr: "exactly one FILE"},
		{name: "no subcommand", args: nil, want: cmdResult{2, ""}, wantStderr: "usage"},
		{name: "unknown subcommand", args: []string{"lint"}, want: cmdResult{2, ""}, wantStderr: `unknown command "lint"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, stderr := runPolicy(t, tt.stdin, tt.args...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("policy %q (-want +got):\n%s\nstderr: %s", tt.args, diff, stderr)
			}
			if tt.wantStderr == "" && stderr != "" {
				t.Errorf("stderr = %q, want it empty", stderr)
			}
			if tt.wantStderr != "" && !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestPolicySimulate(t *testing.T) {
	t.Parallel()
	dir := writeFiles(t, map[string]string{"sns.json": snsPolicy, "deny.json": denyPolicy, "bad.json": badPolicy})
	sns := filepath.Join(dir, "sns.json")
	deny := filepath.Join(dir, "deny.json")
	snsCtx := []string{"--context", "aws:SourceAccount=111122223333", "--context", "aws:SourceArn=arn:aws:sns:us-east-1:111122223333:orders-eu"}
	args := func(a ...string) []string { return append([]string{"simulate"}, a...) }
	tests := []struct {
		name       string
		args       []string
		stdin      string
		want       cmdResult
		wantStderr string
	}{
		{name: "service allowed", args: args(append([]string{"--policy", sns, "--principal", "sns.amazonaws.com", "--action", "xray:PutTraceSegments"}, snsCtx...)...),
			want: cmdResult{0, "allow\n" + sns + ": statement 1 (\"SNSAccess\")\n"}},
		{name: "service, condition not met", args: args("--policy", sns, "--principal", "sns.amazonaws.com", "--action", "xray:PutTraceSegments", "--context", "aws:SourceAccount=444455556666"),
			want: cmdResult{0, "implicit-deny\n"}},
		{name: "other service", args: args(append([]string{"--policy", sns, "--principal", "lambda.amazonaws.com", "--action", "xray:PutTraceSegments"}, snsCtx...)...),
			want: cmdResult{0, "implicit-deny\n"}},
		{name: "action in any case", args: args(append([]string{"--policy", sns, "--principal", "sns.amazonaws.com", "--action", "XRay:getsamplingrules"}, snsCtx...)...),
			want: cmdResult{0, "allow\n" + sns + ": statement 1 (\"SNSAccess\")\n"}},
		{name: "account id principal allowed", args: args("--policy", deny, "--principal", "111122223333", "--action", "xray:GetGroups"),
			want: cmdResult{0, "allow\n" + deny + ": statement 1\n"}},
		{name: "explicit deny from outside the network", args: args("--policy", deny, "--principal", "arn:aws:iam::111122223333:user/alice", "--action", "xray:PutResourcePolicy", "--context", "aws:SourceIp=192.0.2.1"),
			want: cmdResult{0, "deny\n" + deny + ": statement 2 (\"NoPolicyEdits\")\n"}},
		{name: "inside the network the allow stands", args: args("--policy", deny, "--principal", "arn:aws:iam::111122223333:user/alice", "--action", "xray:PutResourcePolicy", "--context", "aws:SourceIp=10.1.1.1"),
			want: cmdResult{0, "allow\n" + deny + ": statement 1\n"}},
		{name: "several policies together", args: args(append([]string{"--policy", sns, "--policy", deny, "--principal", "sns.amazonaws.com", "--action", "xray:PutTraceSegments"}, snsCtx...)...),
			want: cmdResult{0, "allow\n" + sns + ": statement 1 (\"SNSAccess\")\n"}},
		{name: "deny in a second policy wins", args: args("--policy", sns, "--policy", deny, "--principal", "sns.amazonaws.com", "--action", "xray:DeleteResourcePolicy"),
			want: cmdResult{0, "deny\n" + deny + ": statement 2 (\"NoPolicyEdits\")\n"}},
		{name: "policy from stdin", stdin: denyPolicy, args: args("--policy", "-", "--principal", "111122223333", "--action", "xray:GetGroups"),
			want: cmdResult{0, "allow\nstandard input: statement 1\n"}},
		{name: "multivalued context key", stdin: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}}}`,
			args: args("--policy", "-", "--principal", "111122223333", "--action", "xray:TagResource", "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=team"),
			want: cmdResult{0, "allow\nstandard input: statement 1\n"}},
		{name: "multivalued context key, one outside the set", stdin: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}}}`,
			args: args("--policy", "-", "--principal", "111122223333", "--action", "xray:TagResource", "--context", "aws:TagKeys=env", "--context", "aws:TagKeys=owner"),
			want: cmdResult{0, "implicit-deny\n"}},
		{name: "context replaces a default key", stdin: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}}`,
			args: args("--policy", "-", "--principal", "111122223333", "--action", "xray:GetGroups", "--context", "aws:CurrentTime=2019-06-01T00:00:00Z"),
			want: cmdResult{0, "allow\nstandard input: statement 1\n"}},
		{name: "default principal keys", stdin: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalType":"User","aws:PrincipalAccount":"111122223333"}}}}`,
			args: args("--policy", "-", "--principal", "arn:aws:iam::111122223333:user/alice", "--action", "xray:GetGroups"),
			want: cmdResult{0, "allow\nstandard input: statement 1\n"}},
		{name: "resource", stdin: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:xray:*:111122223333:group/*"}}`,
			args: args("--policy", "-", "--principal", "111122223333", "--action", "xray:GetGroup", "--resource", "arn:aws:xray:us-east-1:111122223333:group/app/ID"),
			want: cmdResult{0, "allow\nstandard input: statement 1\n"}},
		{name: "resource defaults to star", stdin: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"arn:aws:xray:*:111122223333:group/*"}}`,
			args: args("--policy", "-", "--principal", "111122223333", "--action", "xray:GetGroup"),
			want: cmdResult{0, "implicit-deny\n"}},
		{name: "invalid policy", args: args("--policy", filepath.Join(dir, "bad.json"), "--principal", "111122223333", "--action", "xray:GetGroups"),
			want: cmdResult{2, ""}, wantStderr: `bad.json: statement 1 ("SNSAccess"): Action: "s3:GetObject" is not an X-Ray action`},
		{name: "missing policy file", args: args("--policy", filepath.Join(dir, "nope.json"), "--principal", "111122223333", "--action", "xray:GetGroups"),
			want: cmdResult{2, ""}, wantStderr: "no such file"},
		{name: "no policy", args: args("--principal", "111122223333", "--action", "xray:GetGroups"), want: cmdResult{2, ""}, wantStderr: "--policy"},
		{name: "no principal", args: args("--policy", sns, "--action", "xray:GetGroups"), want: cmdResult{2, ""}, wantStderr: "--principal"},
		{name: "bad principal", args: args("--policy", sns, "--principal", "alice", "--action", "xray:GetGroups"), want: cmdResult{2, ""}, wantStderr: "--principal"},
		{name: "no action", args: args("--policy", sns, "--principal", "111122223333"), want: cmdResult{2, ""}, wantStderr: "--action"},
		{name: "action of another service", args: args("--policy", sns, "--principal", "111122223333", "--action", "s3:GetObject"), want: cmdResult{2, ""}, wantStderr: "not an X-Ray action"},
		{name: "unknown X-Ray action", args: args("--policy", sns, "--principal", "111122223333", "--action", "xray:GetObject"), want: cmdResult{2, ""}, wantStderr: "not an X-Ray action"},
		{name: "context without =", args: args("--policy", sns, "--principal", "111122223333", "--action", "xray:GetGroups", "--context", "aws:SourceIp"), want: cmdResult{2, ""}, wantStderr: "key=value"},
		{name: "unknown flag", args: args("--policy", sns, "--principal", "111122223333", "--action", "xray:GetGroups", "--verbose"), want: cmdResult{2, ""}, wantStderr: "verbose"},
		{name: "stray argument", args: args("--policy", sns, "--principal", "111122223333", "--action", "xray:GetGroups", "extra"), want: cmdResult{2, ""}, wantStderr: `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, stderr := runPolicy(t, tt.stdin, tt.args...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("policy %q (-want +got):\n%s\nstderr: %s", tt.args, diff, stderr)
			}
			if tt.wantStderr == "" && stderr != "" {
				t.Errorf("stderr = %q, want it empty", stderr)
			}
			if tt.wantStderr != "" && !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}
