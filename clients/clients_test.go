package clients

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal/internal/testserver"
)

// throttleRate is the throttled server's ListResourcePolicies rate: one call per account,
// then one token every 1000 s, so the second call is refused however slow the client is
// (the AWS CLI takes about a second per call; a rate of 1/s would refill in between).
const throttleRate = "0.001"

// TestClients runs every scenario through each client against one xraylocal process (and
// a throttled one): subtests go/<scenario>, boto3/<scenario>, cli/<scenario>, js/<scenario>.
// A client that is not installed fails its subtest with the way to install it.
func TestClients(t *testing.T) {
	f := loadScenarios(t)
	main := testserver.Start(t, nil, "--store", "memory")
	throttled := testserver.Start(t, nil, "--store", "memory", "--throttle", "ListResourcePolicies="+throttleRate)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("xraylocal log (last lines):\n%s\nthrottled xraylocal log (last lines):\n%s", tail(main.Stderr(), 40), tail(throttled.Stderr(), 10))
		}
	})
	configure := func(client string) runnerConfig {
		cfg := runners[client]
		cfg.Endpoint, cfg.ThrottledEndpoint = main.URL, throttled.URL
		return cfg
	}

	// The four groups run side by side; each external runner starts when its group does, so
	// -run TestClients/go runs no other client.
	t.Run("go", func(t *testing.T) {
		t.Parallel()
		r := &goRunner{file: f, cfg: configure("go")}
		for i, sc := range f.Scenarios {
			if !sc.runs("go") {
				continue
			}
			t.Run(sc.Name, func(t *testing.T) {
				t.Parallel()
				if d := r.run(context.Background(), sc, i); d != "" {
					t.Errorf("%s: %s", sc.Description, d)
				}
			})
		}
	})
	for _, client := range []string{"cli", "boto3", "js"} {
		t.Run(client, func(t *testing.T) {
			t.Parallel()
			run := startExternal(t, client, configure(client))
			results, err := run.wait()
			if err != nil {
				t.Fatal(err)
			}
			for _, sc := range f.Scenarios {
				if !sc.runs(client) {
					if _, ok := results[sc.Name]; ok {
						t.Errorf("%s ran %s, which is not one of its scenarios", client, sc.Name)
					}
					continue
				}
				t.Run(sc.Name, func(t *testing.T) {
					res, ok := results[sc.Name]
					switch {
					case !ok:
						t.Errorf("the %s runner printed no result for this scenario (exit: %v)\nstderr:\n%s", client, run.exit, tail(run.stderr.String(), 30))
					case !res.Pass:
						t.Errorf("%s: %s", sc.Description, res.Detail)
					}
				})
				delete(results, sc.Name)
			}
			for name := range results {
				t.Errorf("the %s runner reported %q, which is no scenario", client, name)
			}
		})
	}
}

// result is one line a runner prints.
type result struct {
	Client   string `json:"client"`
	Scenario string `json:"scenario"`
	Pass     bool   `json:"pass"`
	Detail   string `json:"detail"`
}

// externalRun is a runner process running in the background.
type externalRun struct {
	client string
	setup  error // the client is missing, or could not start
	done   chan struct{}
	stdout bytes.Buffer
	stderr bytes.Buffer
	exit   error
}

// startExternal starts client's runner against the servers of cfg. The process (and any
// AWS CLI it started) is killed if it outlives the test.
func startExternal(t *testing.T, client string, cfg runnerConfig) *externalRun {
	t.Helper()
	r := &externalRun{client: client, done: make(chan struct{})}
	argv, err := runnerCommand(client)
	if err != nil {
		r.setup = err
		close(r.done)
		return r
	}
	argv = append(argv,
		"--endpoint", cfg.Endpoint,
		"--throttled-endpoint", cfg.ThrottledEndpoint,
		"--account-base", strconv.FormatInt(cfg.AccountBase, 10),
		"--isolated-region", cfg.IsolatedRegion)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = runnerEnv(t.TempDir())
	cmd.Stdout, cmd.Stderr = &r.stdout, &r.stderr
	// Its own process group, so that the AWS CLI processes of the CLI runner go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	if err := cmd.Start(); err != nil {
		cancel()
		r.setup = fmt.Errorf("start %s runner: %v", client, err)
		close(r.done)
		return r
	}
	go func() {
		r.exit = cmd.Wait()
		cancel()
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	return r
}

// wait waits for the runner and returns its results by scenario name. A runner that exits
// with status 1 has reported failed scenarios; any other failure to run is an error.
func (r *externalRun) wait() (map[string]result, error) {
	<-r.done
	if r.setup != nil {
		return nil, r.setup
	}
	var exit *exec.ExitError
	if r.exit != nil && !(errors.As(r.exit, &exit) && exit.ExitCode() == 1) {
		return nil, fmt.Errorf("%s runner: %v\nstderr:\n%s", r.client, r.exit, tail(r.stderr.String(), 30))
	}
	results := map[string]result{}
	sc := bufio.NewScanner(bytes.NewReader(r.stdout.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var res result
		if err := json.Unmarshal(sc.Bytes(), &res); err != nil || res.Client != r.client || res.Scenario == "" {
			return nil, fmt.Errorf("%s runner printed %q, want a result line of %s", r.client, sc.Text(), r.client)
		}
		if _, dup := results[res.Scenario]; dup {
			return nil, fmt.Errorf("%s runner reported %s twice", r.client, res.Scenario)
		}
		results[res.Scenario] = res
	}
	return results, nil
}

// runnerCommand finds client and returns the command that runs its scenarios, or why it
// cannot, with the way to install what is missing.
func runnerCommand(client string) ([]string, error) {
	const hint = "run clients/setup.sh, which installs the clients (Debian's python3-boto3, awscli, nodejs and npm, and the JavaScript SDK with npm ci)"
	switch client {
	case "boto3":
		py, err := findPython(true)
		if err != nil {
			return nil, fmt.Errorf("boto3: %v; %s", err, hint)
		}
		return []string{py, "python/run_scenarios.py"}, nil
	case "cli":
		aws, err := findAWS()
		if err != nil {
			return nil, fmt.Errorf("AWS CLI: %v; %s", err, hint)
		}
		py, err := findPython(false)
		if err != nil {
			return nil, fmt.Errorf("AWS CLI runner: %v; %s", err, hint)
		}
		return []string{py, "cli/run_scenarios.py", "--aws", aws}, nil
	case "js":
		node, err := exec.LookPath("node")
		if err != nil {
			return nil, fmt.Errorf("JavaScript SDK: no node on PATH; %s", hint)
		}
		if err := checkNodeModules(); err != nil {
			return nil, fmt.Errorf("JavaScript SDK: %v; %s", err, hint)
		}
		return []string{node, "js/run_scenarios.mjs"}, nil
	}
	return nil, fmt.Errorf("no runner for %q", client)
}

// findPython returns the first of python3 on PATH and Debian's /usr/bin/python3 that runs
// (and, when withBoto3, imports boto3): setup.sh installs Debian's python3-boto3 when the
// PATH's python3 lacks it.
func findPython(withBoto3 bool) (string, error) {
	var tried []string
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		check := "import json"
		if withBoto3 {
			check = "import boto3"
		}
		out, err := exec.Command(path, "-c", check).CombinedOutput()
		if err == nil {
			return path, nil
		}
		tried = append(tried, fmt.Sprintf("%s: %s", path, tail(string(out), 1)))
	}
	if len(tried) == 0 {
		return "", errors.New("no python3 on PATH nor /usr/bin/python3")
	}
	if withBoto3 {
		return "", fmt.Errorf("no python3 imports boto3 (%s)", strings.Join(tried, "; "))
	}
	return "", fmt.Errorf("no python3 runs (%s)", strings.Join(tried, "; "))
}

// findAWS returns an aws command that answers --version: the PATH's, else Debian's. A pyenv
// shim is resolved to the program it runs, which saves the shim's ~0.4 s on each call.
func findAWS() (string, error) {
	var tried []string
	for _, name := range []string{"aws", "/usr/bin/aws"} {
		path, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		if strings.Contains(path, "/.pyenv/shims/") {
			if out, err := exec.Command("pyenv", "which", "aws").Output(); err == nil {
				path = strings.TrimSpace(string(out))
			}
		}
		out, err := exec.Command(path, "--version").CombinedOutput()
		if err == nil {
			return path, nil
		}
		tried = append(tried, fmt.Sprintf("%s --version: %s", path, tail(string(out), 1)))
	}
	if len(tried) == 0 {
		return "", errors.New("no aws on PATH nor /usr/bin/aws")
	}
	return "", fmt.Errorf("no working aws (%s)", strings.Join(tried, "; "))
}

// checkNodeModules checks js/node_modules holds the @aws-sdk/client-xray that package.json pins.
func checkNodeModules() error {
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	var installed struct {
		Version string `json:"version"`
	}
	b, err := os.ReadFile(filepath.Join("js", "package.json"))
	if err == nil {
		err = json.Unmarshal(b, &pkg)
	}
	if err != nil {
		return fmt.Errorf("js/package.json: %v", err)
	}
	want := pkg.Dependencies["@aws-sdk/client-xray"]
	b, err = os.ReadFile(filepath.Join("js", "node_modules", "@aws-sdk", "client-xray", "package.json"))
	if err != nil {
		return errors.New("@aws-sdk/client-xray is not installed in clients/js/node_modules")
	}
	if err := json.Unmarshal(b, &installed); err != nil || installed.Version != want {
		return fmt.Errorf("clients/js/node_modules has @aws-sdk/client-xray %q, package.json pins %q", installed.Version, want)
	}
	return nil
}

// runnerEnv is this process's environment less every AWS_ setting (a profile, an endpoint
// or credentials of the developer's must not leak into the runs), with config and
// credentials files that do not exist.
func runnerEnv(dir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return append(env,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true")
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
