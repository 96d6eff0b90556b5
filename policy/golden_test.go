package policy

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"hash"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xraylocal/xraylocal"
)

// The parser is written for speed, and speed invites rewrites. TestParseGolden
// pins what the parser produced before it was rewritten: for every document of
// testdata/parse_corpus.jsonl (the documents the package's and the CLI's tests
// parse, and the fuzz seeds), for the benchmark document, and for a few thousand
// mutations of them (truncated, a byte deleted, inserted, replaced or its case
// changed, a span repeated), testdata/parse_golden.txt holds two fingerprints:
//
//   - the behaviour: every problem (rule, statement, Sid, element, message) of a
//     refused document, or the decision and deciding statements of a set of
//     requests against an accepted one;
//   - the structure: the compiled statements, field by field.
//
// A change that keeps the behaviour but changes the compiled form (a new cached
// field, say) changes only the second; run with -update-parse-golden after
// checking that no behaviour fingerprint moved (the test reports the two kinds
// of difference separately).

var updateParseGolden = flag.Bool("update-parse-golden", false, "rewrite testdata/parse_golden.txt from the current parser")

const (
	parseCorpusFile = "testdata/parse_corpus.jsonl"
	parseGoldenFile = "testdata/parse_golden.txt"
)

// goldenDocuments returns the corpus, the benchmark document, and mutations of
// each, in a fixed order (the mutations come from a seeded generator whose
// sequence math/rand/v2 specifies).
func goldenDocuments(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open(parseCorpusFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var base []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var d string
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			tb.Fatalf("%s: %v", parseCorpusFile, err)
		}
		base = append(base, d)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(base) < 100 {
		tb.Fatalf("%s holds %d documents; expected the full corpus", parseCorpusFile, len(base))
	}
	base = append(base, benchDocument(tb))
	out := append([]string(nil), base...)
	const alphabet = "\"{}[],:*?$\\ aZ0.-/${}'\x00\xff"
	for i, d := range base {
		rng := rand.New(rand.NewPCG(uint64(i), 0x90_1de_7))
		for range 8 {
			if d == "" {
				break
			}
			b := []byte(d)
			at := rng.IntN(len(b))
			switch rng.IntN(6) {
			case 0:
				b = b[:at]
			case 1:
				b = append(b[:at:at], b[at+1:]...)
			case 2:
				b = append(b[:at:at], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[at:]...)...)
			case 3:
				b[at] = alphabet[rng.IntN(len(alphabet))]
			case 4:
				if c := b[at]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
					b[at] ^= 0x20
				} else {
					b = b[:at]
				}
			case 5:
				end := min(len(b), at+1+rng.IntN(40))
				b = append(b[:end:end], b[at:]...)
			}
			out = append(out, string(b))
		}
	}
	return out
}

// goldenRequests are evaluated against every accepted document.
func goldenRequests() []Request {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	bench := RequestFor(xraylocal.AccessRequest{
		Caller: xraylocal.Caller{
			Scope:        xraylocal.Scope{Account: "123456789012", Region: "us-east-1"},
			PrincipalARN: "arn:aws:sts::210987654321:assumed-role/Deployer/ci",
			SourceIP:     "10.1.2.3", SecureTransport: true,
		},
		Action: "xray:GetSamplingTargets", Resource: "arn:aws:xray:us-east-1:210987654321:group/app", Time: at,
	})
	bench.Context.Set("aws:SourceAccount", "210987654321")
	bench.Context.Set("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic-orders")
	lockout := RequestFor(xraylocal.AccessRequest{
		Caller:   xraylocal.Caller{Scope: xraylocal.Scope{Account: "111122223333", Region: "eu-west-1"}, SourceIP: "192.0.2.1"},
		Action:   "xray:PutResourcePolicy",
		Resource: "*",
		Time:     at,
	})
	sns := Principal{Kind: PrincipalService, ID: "sns.amazonaws.com"}
	snsCtx := ctxOf("aws:SourceAccount", "111122223333", "aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:orders-eu")
	SetPrincipalKeys(&snsCtx, sns)
	alice := Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::111122223333:user/alice"}
	aliceCtx := ctxOf("aws:username", "alice", "k", "a", "j", "b", "n", "5", "d", "2026-01-02T03:04:05Z",
		"b", "true", "x", "Binary", "s", "arn:aws:sns:us-east-1:1:t", "t", "x*", "r", "arn:aws:xray:us-east-1:111122223333:group/alice",
		"aws:SourceIp", "10.0.0.7", "aws:SecureTransport", "false", "aws:EpochTime", "1700000000",
		"aws:TagKeys", "env", "aws:TagKeys", "team", "aws:CurrentTime", "2026-01-01T00:00:00Z")
	SetPrincipalKeys(&aliceCtx, alice)
	return []Request{
		{Principal: Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::123456789012:root"}, Action: "xray:PutResourcePolicy", Resource: "*",
			Context: ctxOf("aws:SourceIp", "192.0.2.1", "aws:CurrentTime", "2026-01-01T00:00:00Z", "aws:PrincipalAccount", "123456789012")},
		{Principal: sns, Action: "xray:PutTraceSegments", Resource: "arn:aws:xray:us-east-1:123456789012:group/a",
			Context: ctxOf("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:t", "k", "a", "k", "b")},
		{Principal: Principal{Kind: PrincipalAWS, ID: "not an arn"}},
		bench,
		lockout,
		{Principal: sns, Action: "xray:GetSamplingTargets", Resource: "*", Context: snsCtx},
		{Principal: alice, Action: "xray:GetGroup", Resource: "arn:aws:xray:us-east-1:111122223333:group/alice", Context: aliceCtx},
		{Principal: alice, Action: "XRAY:getgroups", Resource: "*", Context: aliceCtx},
		{Principal: Principal{Kind: PrincipalAnonymous}, Action: "xray:GetTraceSummaries", Resource: "*"},
		{Principal: Principal{Kind: PrincipalFederated, ID: "cognito-identity.amazonaws.com"}, Action: "xray:BatchGetTraces",
			Resource: "arn:aws:xray:us-east-1:111122223333:sampling-rule/r1", Context: ctxOf("k", "abc", "n", "1e3", "t", "x", "k", "ABC")},
		{Principal: Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::111122223333:role/Deployer"}, Action: "xray:PutTraceSegments", Resource: "*",
			Context: ctxOf("logs:LogGeneratingResourceArns", "arn:aws:bedrock-agentcore:us-east-1:111122223333:runtime/a",
				"logs:LogGeneratingResourceArns", "arn:aws:bedrock-agentcore:us-east-1:444455556666:runtime/x", "aws:SourceIp", "2001:db8::1")},
		{Principal: Principal{Kind: PrincipalService, ID: "SNS.AMAZONAWS.COM"}, Action: "s3:GetObject", Resource: "arn:aws:xray:us-east-1:123456789012:group/a"},
		{Principal: Principal{Kind: PrincipalCanonicalUser, ID: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}, Action: "xray:GetGroup", Resource: "arn:aws:xray:us-east-1:123456789012:group/x"},
	}
}

// goldenFingerprints returns the behaviour and structure fingerprints of document.
func goldenFingerprints(document string, requests []Request) (behaviour, structure string, detail string) {
	pol, err := Parse(document)
	detail = outcome(pol, err, requests)
	if err != nil {
		return short(detail), short(""), detail
	}
	h := sha256.New()
	dumpValue(h, reflect.ValueOf(pol), 0)
	return short(detail), hex.EncodeToString(h.Sum(nil))[:12], detail
}

// outcome describes what a parse gave: every problem of a refused document,
// or the statements of an accepted one and how it decides each request.
func outcome(pol *Policy, err error, requests []Request) string {
	var b strings.Builder
	if err != nil {
		verr, ok := err.(*ValidationError)
		if !ok {
			fmt.Fprintf(&b, "error %T %v\n", err, err)
		} else {
			for _, p := range verr.Problems {
				fmt.Fprintf(&b, "%s|%d|%q|%s|%s\n", p.Rule, p.Statement, p.Sid, p.Element, p.Message)
			}
			fmt.Fprintf(&b, "%s\n", verr.Error())
		}
		return b.String()
	}
	fmt.Fprintf(&b, "valid %q %q %d\n", pol.Version, pol.ID, len(pol.Statements))
	for i := range pol.Statements {
		st := &pol.Statements[i]
		fmt.Fprintf(&b, "%d %q %v %s %s\n", st.Position, st.Sid, st.Effect, st.Label(), st.Ref())
	}
	for i := range requests {
		res := pol.Evaluate(&requests[i])
		fmt.Fprintf(&b, "request %d: %s", i, res.Decision)
		for _, s := range res.Statements {
			fmt.Fprintf(&b, " %d/%d/%q/%s", s.Policy, s.Position, s.Sid, s)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func short(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// dumpValue writes v field by field, following pointers, so that two parses
// that compile the same statements write the same bytes.
func dumpValue(h hash.Hash, v reflect.Value, depth int) {
	if depth > 40 {
		h.Write([]byte("<deep>"))
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			h.Write([]byte("nil;"))
			return
		}
		h.Write([]byte("&"))
		dumpValue(h, v.Elem(), depth+1)
	case reflect.Struct:
		h.Write([]byte(v.Type().String() + "{"))
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).IsZero() {
				// Left out, so that a new optional field (a cache, a compiled
				// form for some patterns) leaves the fingerprint of documents
				// that do not use it unchanged.
				continue
			}
			h.Write([]byte(v.Type().Field(i).Name + ":"))
			dumpValue(h, v.Field(i), depth+1)
		}
		h.Write([]byte("}"))
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			h.Write([]byte("nil;"))
			return
		}
		h.Write([]byte("[" + strconv.Itoa(v.Len()) + ":"))
		for i := 0; i < v.Len(); i++ {
			dumpValue(h, v.Index(i), depth+1)
		}
		h.Write([]byte("]"))
	case reflect.String:
		h.Write([]byte(strconv.Quote(v.String()) + ";"))
	case reflect.Bool:
		h.Write([]byte(strconv.FormatBool(v.Bool()) + ";"))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		h.Write([]byte(strconv.FormatInt(v.Int(), 10) + ";"))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		h.Write([]byte(strconv.FormatUint(v.Uint(), 10) + ";"))
	case reflect.Float32, reflect.Float64:
		h.Write([]byte(strconv.FormatFloat(v.Float(), 'g', -1, 64) + ";"))
	default:
		h.Write([]byte(v.Kind().String() + "?;"))
	}
}

func TestParseGolden(t *testing.T) {
	docs := goldenDocuments(t)
	requests := goldenRequests()
	lines := make([]string, len(docs))
	details := make([]string, len(docs))
	for i, d := range docs {
		beh, str, detail := goldenFingerprints(d, requests)
		lines[i], details[i] = beh+" "+str, detail
	}
	if *updateParseGolden {
		if err := os.WriteFile(parseGoldenFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(parseGoldenFile)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(want) != len(docs) {
		t.Fatalf("%s has %d lines for %d documents", parseGoldenFile, len(want), len(docs))
	}
	behaviour, structure := 0, 0
	for i := range docs {
		if lines[i] == want[i] {
			continue
		}
		gb, gs, _ := strings.Cut(lines[i], " ")
		wb, ws, _ := strings.Cut(want[i], " ")
		switch {
		case gb != wb:
			behaviour++
			if behaviour <= 5 {
				t.Errorf("document %d %s: behaviour changed; now:\n%s", i, quote(docs[i]), details[i])
			}
		case gs != ws:
			structure++
			if structure <= 5 {
				t.Errorf("document %d %s: compiled form changed (behaviour unchanged)", i, quote(docs[i]))
			}
		}
	}
	if behaviour+structure > 0 {
		t.Errorf("%d documents behave differently, %d compile differently", behaviour, structure)
	}
}
