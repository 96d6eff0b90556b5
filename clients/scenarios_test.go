package clients

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The four runners, by the name used in scenarios.json's "clients" and in subtest names.
var clientNames = []string{"go", "boto3", "cli", "js"}

// errorStatus is every error code a scenario may expect, with its HTTP status from the
// service model (spec W-5: ThrottledException 429, the rest 400). Every client must meet
// each of them in at least one scenario.
var errorStatus = map[string]int{
	"InvalidRequestException":           400,
	"PolicySizeLimitExceededException":  400,
	"MalformedPolicyDocumentException":  400,
	"InvalidPolicyRevisionIdException":  400,
	"PolicyCountLimitExceededException": 400,
	"LockoutPreventionException":        400,
	"ThrottledException":                429,
}

var operationNames = []string{"PutResourcePolicy", "ListResourcePolicies", "DeleteResourcePolicy"}

// nowTolerance is how far a "$now" timestamp may be from the runner's clock.
const nowTolerance = time.Minute

type scenarioFile struct {
	DefaultCaller caller            `json:"defaultCaller"`
	Scenarios     []scenario        `json:"scenarios"`
	Documents     map[string]string `json:"documents"`
}

type scenario struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Clients     []string `json:"clients"`
	Caller      *caller  `json:"caller"`
	Steps       []step   `json:"steps"`
}

// runs reports whether client runs the scenario.
func (s scenario) runs(client string) bool {
	return s.Clients == nil || slices.Contains(s.Clients, client)
}

type step struct {
	Op     string          `json:"op"`
	Input  json.RawMessage `json:"input"`
	Expect struct {
		Output map[string]any `json:"output"`
		Error  *struct {
			Code   string `json:"code"`
			Status int    `json:"status"`
		} `json:"error"`
	} `json:"expect"`
	Caller *caller `json:"caller"`
	Server string  `json:"server"`
}

type caller struct {
	Account   string `json:"account"`
	AccessKey string `json:"accessKey"`
	Region    string `json:"region"`
}

// runnerConfig is what a runner is given: where the servers are, the first of its accounts
// and the region only it uses (so scenarios of the shared default account do not collide).
type runnerConfig struct {
	Endpoint, ThrottledEndpoint string
	AccountBase                 int64
	IsolatedRegion              string
}

// runners gives each client accounts and a region of its own on the shared servers.
var runners = map[string]runnerConfig{
	"go":    {AccountBase: 100000000000, IsolatedRegion: "ap-south-1"},
	"boto3": {AccountBase: 200000000000, IsolatedRegion: "ap-southeast-2"},
	"cli":   {AccountBase: 300000000000, IsolatedRegion: "ca-central-1"},
	"js":    {AccountBase: 400000000000, IsolatedRegion: "sa-east-1"},
}

func loadScenarios(tb testing.TB) *scenarioFile {
	tb.Helper()
	b, err := os.ReadFile("scenarios.json")
	if err != nil {
		tb.Fatal(err)
	}
	var f scenarioFile
	if err := json.Unmarshal(b, &f); err != nil {
		tb.Fatalf("scenarios.json: %v", err)
	}
	return &f
}

// who returns the access key, region and endpoint of a step of scenario number index, by
// the rules every runner follows (docs/clients.md).
func (f *scenarioFile) who(cfg runnerConfig, sc scenario, index int, st step) (key, region, endpoint string, err error) {
	c := f.DefaultCaller
	if st.Caller != nil {
		c = *st.Caller
	} else if sc.Caller != nil {
		c = *sc.Caller
	}
	region = c.Region
	switch region {
	case "":
		region = "us-east-1"
	case "$isolatedRegion":
		region = cfg.IsolatedRegion
	}
	key = c.AccessKey
	if key == "" {
		label := c.Account
		if label == "" {
			label = "a"
		}
		if len(label) != 1 || label[0] < 'a' || label[0] > 'j' {
			return "", "", "", fmt.Errorf("account label %q: want one letter a..j", label)
		}
		key = fmt.Sprint(cfg.AccountBase + 10*int64(index) + int64(label[0]-'a'))
	}
	switch st.Server {
	case "", "main":
		endpoint = cfg.Endpoint
	case "throttled":
		endpoint = cfg.ThrottledEndpoint
	default:
		return "", "", "", fmt.Errorf("server %q: want main or throttled", st.Server)
	}
	return key, region, endpoint, nil
}

// resolve replaces every "$doc:NAME" string in v by the document NAME.
func (f *scenarioFile) resolve(v any) (any, error) {
	switch v := v.(type) {
	case string:
		if name, ok := strings.CutPrefix(v, "$doc:"); ok {
			doc, ok := f.Documents[name]
			if !ok {
				return nil, fmt.Errorf("no document %q", name)
			}
			return doc, nil
		}
		return v, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			r, err := f.resolve(e)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			r, err := f.resolve(e)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// match returns "" when got equals want exactly, else the first difference. want "$now"
// asks for a time.Time within nowTolerance of now.
func match(want, got any, path string) string {
	switch w := want.(type) {
	case string:
		if w == "$now" {
			t, ok := got.(time.Time)
			if !ok {
				return fmt.Sprintf("%s: got %T %v, want a time.Time", path, got, got)
			}
			if skew := time.Since(t).Abs(); skew > nowTolerance {
				return fmt.Sprintf("%s: %v is %v away from now", path, t, skew)
			}
			return ""
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %T %v, want an object", path, got, got)
		}
		if wk, gk := keys(w), keys(g); !slices.Equal(wk, gk) {
			return fmt.Sprintf("%s: got members %v, want %v", path, gk, wk)
		}
		for _, k := range keys(w) {
			if d := match(w[k], g[k], path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: got %T %v, want a list", path, got, got)
		}
		if len(g) != len(w) {
			return fmt.Sprintf("%s: got %d items, want %d", path, len(g), len(w))
		}
		for i := range w {
			if d := match(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	}
	if want != got {
		return fmt.Sprintf("%s: got %T %q, want %T %q", path, got, got, want, want)
	}
	return ""
}

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

var scenarioName = regexp.MustCompile(`^([PLDAWT][0-9]+_)+[A-Z][A-Za-z0-9]+$`)

// TestScenarioFile checks scenarios.json itself: well-formed steps, names that start with
// the rule IDs they check, and that every client, the lean AWS CLI subset included, meets
// every error code and every operation.
func TestScenarioFile(t *testing.T) {
	f := loadScenarios(t)
	if len(f.Scenarios) == 0 {
		t.Fatal("no scenarios")
	}
	codes := map[string]map[string]bool{}
	ops := map[string]map[string]bool{}
	for _, c := range clientNames {
		codes[c], ops[c] = map[string]bool{}, map[string]bool{}
	}
	seen := map[string]bool{}
	for i, sc := range f.Scenarios {
		if !scenarioName.MatchString(sc.Name) || seen[sc.Name] {
			t.Errorf("scenario %d: name %q is not unique or does not start with its rule IDs (P4_Name)", i, sc.Name)
		}
		seen[sc.Name] = true
		if sc.Description == "" || len(sc.Steps) == 0 {
			t.Errorf("%s: want a description and steps", sc.Name)
		}
		for _, c := range sc.Clients {
			if !slices.Contains(clientNames, c) {
				t.Errorf("%s: unknown client %q", sc.Name, c)
			}
		}
		for n, st := range sc.Steps {
			where := fmt.Sprintf("%s step %d", sc.Name, n+1)
			if !slices.Contains(operationNames, st.Op) {
				t.Errorf("%s: op %q", where, st.Op)
			}
			if (st.Expect.Output == nil) == (st.Expect.Error == nil) {
				t.Errorf("%s: expect needs exactly one of output and error", where)
			}
			if e := st.Expect.Error; e != nil {
				if status, ok := errorStatus[e.Code]; !ok || status != e.Status {
					t.Errorf("%s: error %s %d, want one of %v with its status", where, e.Code, e.Status, errorStatus)
				}
			}
			var in any
			if err := json.Unmarshal(st.Input, &in); err != nil {
				t.Errorf("%s: input: %v", where, err)
			}
			if _, err := f.resolve(in); err != nil {
				t.Errorf("%s: input: %v", where, err)
			}
			if _, err := f.resolve(any(st.Expect.Output)); err != nil {
				t.Errorf("%s: output: %v", where, err)
			}
			for _, c := range clientNames {
				cfg := runners[c]
				_, region, _, err := f.who(cfg, sc, i, st)
				if err != nil {
					t.Errorf("%s: %v", where, err)
				}
				for _, other := range clientNames {
					if other != c && region == runners[other].IsolatedRegion {
						t.Errorf("%s: region %s is the isolated region of %s", where, region, other)
					}
				}
				if sc.runs(c) {
					ops[c][st.Op] = true
					if st.Expect.Error != nil {
						codes[c][st.Expect.Error.Code] = true
					}
				}
			}
		}
	}
	for _, c := range clientNames {
		for code := range errorStatus {
			if !codes[c][code] {
				t.Errorf("no scenario of %s expects %s", c, code)
			}
		}
		for _, op := range operationNames {
			if !ops[c][op] {
				t.Errorf("no scenario of %s calls %s", c, op)
			}
		}
	}
}

// TestMatch checks the comparison the Go runner relies on can fail.
func TestMatch(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name      string
		want, got any
		fails     bool
	}{
		{"equal", map[string]any{"A": "x", "L": []any{}}, map[string]any{"A": "x", "L": []any{}}, false},
		{"other value", map[string]any{"A": "x"}, map[string]any{"A": "y"}, true},
		{"extra member", map[string]any{"A": "x"}, map[string]any{"A": "x", "NextToken": "t"}, true},
		{"missing member", map[string]any{"A": "x", "L": []any{}}, map[string]any{"A": "x"}, true},
		{"order", []any{"a", "b"}, []any{"b", "a"}, true},
		{"now", "$now", now, false},
		{"an hour ago", "$now", now.Add(-time.Hour), true},
		{"a number is no time", "$now", float64(now.Unix()), true},
		{"a string is no time", "$now", now.Format(time.RFC3339), true},
	} {
		if d := match(tc.want, tc.got, "output"); (d != "") != tc.fails {
			t.Errorf("%s: match gave %q, want a failure: %v", tc.name, d, tc.fails)
		}
	}
}
