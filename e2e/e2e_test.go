// Package e2e drives a real xraylocal process, on a real SQLite file, with the AWS SDK for
// Go v2: what a user's code sees is what these tests check.
package e2e

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal/internal/sdktest"
	"github.com/xraylocal/xraylocal/internal/testserver"
)

// snsPolicy is the AWS X-Ray Developer Guide's SNS active-tracing example.
const snsPolicy = `{ "Version": "2012-10-17", "Statement": [ { "Sid": "SNSAccess", "Effect": "Allow", "Principal": { "Service": "sns.amazonaws.com" }, "Action": [ "xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets" ], "Resource": "*", "Condition": { "StringEquals": { "aws:SourceAccount": "123456789012" }, "StringLike": { "aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:my-topic" } } } ] }`

// denyAll denies every X-Ray action to everyone: it locks its author out.
const denyAll = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyAll","Effect":"Deny","Principal":"*","Action":"xray:*","Resource":"*"}]}`

// startServer runs xraylocal on a fresh SQLite file and returns its URL.
func startServer(t *testing.T, args ...string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "xraylocal.db")
	return testserver.Start(t, nil, append([]string{"--store", "sqlite:" + db}, args...)...).URL
}

// client returns an X-Ray client for url signing as accessKey in region, retries off.
func client(url, accessKey, region string) *xray.Client {
	return xray.New(xray.Options{
		Region:       region,
		BaseEndpoint: aws.String(url),
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, "secret-key", ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   sdktest.HTTPClient(),
	})
}

func put(ctx context.Context, c *xray.Client, name, doc string, opts ...func(*xray.PutResourcePolicyInput)) (*xray.PutResourcePolicyOutput, error) {
	in := &xray.PutResourcePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)}
	for _, o := range opts {
		o(in)
	}
	return c.PutResourcePolicy(ctx, in)
}

func withRevision(r string) func(*xray.PutResourcePolicyInput) {
	return func(in *xray.PutResourcePolicyInput) { in.PolicyRevisionId = aws.String(r) }
}

// wantAPIError checks that err is the SDK's error for code, with HTTP status and a message.
func wantAPIError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	var resp *awshttp.ResponseError
	if !errors.As(err, &resp) {
		t.Fatalf("%v carries no HTTP response", err)
	}
	if api.ErrorCode() != code || resp.HTTPStatusCode() != status || api.ErrorMessage() == "" {
		t.Fatalf("got %d %s %q, want %d %s with a message", resp.HTTPStatusCode(), api.ErrorCode(), api.ErrorMessage(), status, code)
	}
	if resp.ServiceRequestID() == "" {
		t.Errorf("error response without a request id")
	}
}

func names(t *testing.T, c *xray.Client) []string {
	t.Helper()
	out, err := c.ListResourcePolicies(context.Background(), &xray.ListResourcePoliciesInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, p := range out.ResourcePolicies {
		ns = append(ns, aws.ToString(p.PolicyName))
	}
	return ns
}

func TestE2E(t *testing.T) {
	url := startServer(t)
	ctx := context.Background()
	// Each subtest has an account of its own (a 12-digit access key is its account, A-2).
	var account atomic.Int64
	account.Store(100000000000)
	newClient := func() *xray.Client {
		return client(url, fmt.Sprint(account.Add(1)), "us-east-1")
	}

	t.Run("P7_CreateThenUpdate", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		before := time.Now().Add(-time.Second)
		out, err := put(ctx, c, "sns", snsPolicy)
		if err != nil {
			t.Fatal(err)
		}
		p := out.ResourcePolicy
		if aws.ToString(p.PolicyName) != "sns" || aws.ToString(p.PolicyDocument) != snsPolicy || aws.ToString(p.PolicyRevisionId) != "1" {
			t.Fatalf("created %+v, want sns, the document as sent, revision 1", p)
		}
		if lt := aws.ToTime(p.LastUpdatedTime); lt.Before(before) || lt.After(time.Now().Add(time.Second)) {
			t.Errorf("LastUpdatedTime %v is not the time of the write", lt)
		}
		if id, ok := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); !ok || id == "" {
			t.Errorf("no request id in the response metadata (W-4)")
		}
		for _, want := range []string{"2", "3"} {
			out, err = put(ctx, c, "sns", snsPolicy) // identical document: still a new revision
			if err != nil || aws.ToString(out.ResourcePolicy.PolicyRevisionId) != want {
				t.Fatalf("update: %v, %v; want revision %s", out, err, want)
			}
		}
	})

	t.Run("P1_InvalidName", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		for _, name := range []string{strings.Repeat("n", 129), "has space", "ünïcode", "slash/"} {
			_, err := put(ctx, c, name, snsPolicy)
			wantAPIError(t, err, 400, "InvalidRequestException")
		}
		if n := names(t, c); len(n) != 0 {
			t.Errorf("stored %v after invalid puts", n)
		}
	})

	t.Run("P2_SizeLimit", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		pad := func(n int) string { // a valid policy of exactly n bytes
			base := `{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"xray:PutTraceSegments","Resource":"*"}]}`
			return strings.Replace(base, `"Sid":""`, `"Sid":"`+strings.Repeat("S", n-len(base))+`"`, 1)
		}
		if _, err := put(ctx, c, "max", pad(5120)); err != nil {
			t.Fatalf("a 5120-byte policy: %v", err)
		}
		_, err := put(ctx, c, "over", pad(5121))
		wantAPIError(t, err, 400, "PolicySizeLimitExceededException")
		var typed *types.PolicySizeLimitExceededException
		if !errors.As(err, &typed) {
			t.Errorf("the SDK did not map the error to its modelled type: %T", err)
		}
		// The size check comes before the validity check (P-2 before P-3).
		_, err = put(ctx, c, "over", "not json"+strings.Repeat(" ", 5120))
		wantAPIError(t, err, 400, "PolicySizeLimitExceededException")
		// Bytes, not characters: 4000 characters, 1200 of them two-byte, are 5200 bytes.
		_, err = put(ctx, c, "utf8", strings.Replace(pad(4000), strings.Repeat("S", 1200), strings.Repeat("é", 1200), 1))
		wantAPIError(t, err, 400, "PolicySizeLimitExceededException")
	})

	t.Run("P3_MalformedDocument", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		for _, doc := range []string{"", "{", "[]", `{"Statement":[]}`, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}`} {
			_, err := put(ctx, c, "bad", doc)
			wantAPIError(t, err, 400, "MalformedPolicyDocumentException")
			var typed *types.MalformedPolicyDocumentException
			if !errors.As(err, &typed) {
				t.Errorf("document %q: error type %T, want *types.MalformedPolicyDocumentException", doc, err)
			}
		}
	})

	t.Run("P4_RevisionChecks", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		if _, err := put(ctx, c, "p", snsPolicy, withRevision("0")); err != nil {
			t.Fatalf("create-only put: %v", err)
		}
		_, err := put(ctx, c, "p", snsPolicy, withRevision("0"))
		wantAPIError(t, err, 400, "InvalidPolicyRevisionIdException")
		var typed *types.InvalidPolicyRevisionIdException
		if !errors.As(err, &typed) || aws.ToString(typed.Message) == "" {
			t.Errorf("error %T %v: want *types.InvalidPolicyRevisionIdException with its Message", err, err)
		}
		for _, rev := range []string{"2", "01"} {
			_, err = put(ctx, c, "p", snsPolicy, withRevision(rev))
			wantAPIError(t, err, 400, "InvalidPolicyRevisionIdException")
		}
		out, err := put(ctx, c, "p", snsPolicy, withRevision("1"))
		if err != nil || aws.ToString(out.ResourcePolicy.PolicyRevisionId) != "2" {
			t.Fatalf("put with the current revision: %v, %v", out, err)
		}
		_, err = put(ctx, c, "missing", snsPolicy, withRevision("1"))
		wantAPIError(t, err, 400, "InvalidPolicyRevisionIdException")
	})

	t.Run("P5_CountLimit", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		for i := range 5 {
			if _, err := put(ctx, c, fmt.Sprintf("p%d", i), snsPolicy); err != nil {
				t.Fatal(err)
			}
		}
		_, err := put(ctx, c, "p5", snsPolicy)
		wantAPIError(t, err, 400, "PolicyCountLimitExceededException")
		if _, err := put(ctx, c, "p4", snsPolicy); err != nil {
			t.Fatalf("updating one of the five: %v", err)
		}
	})

	t.Run("P6_LockoutPrevention", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		_, err := put(ctx, c, "deny", denyAll)
		wantAPIError(t, err, 400, "LockoutPreventionException")
		if n := names(t, c); len(n) != 0 {
			t.Fatalf("stored %v after a refused put", n)
		}
		out, err := put(ctx, c, "deny", denyAll, func(in *xray.PutResourcePolicyInput) { in.BypassPolicyLockoutCheck = true })
		if err != nil || aws.ToString(out.ResourcePolicy.PolicyRevisionId) != "1" {
			t.Fatalf("put with BypassPolicyLockoutCheck: %v, %v", out, err)
		}
		// A Deny for another account's principals does not lock this caller out.
		other := strings.Replace(denyAll, `"Principal":"*"`, `"Principal":{"AWS":"arn:aws:iam::999999999999:root"}`, 1)
		if _, err := put(ctx, c, "other", other); err != nil {
			t.Fatalf("deny for another account: %v", err)
		}
	})

	t.Run("L1_L2_ListAllOrderedByName", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		out, err := c.ListResourcePolicies(ctx, &xray.ListResourcePoliciesInput{})
		if err != nil || out.ResourcePolicies == nil || len(out.ResourcePolicies) != 0 || out.NextToken != nil {
			t.Fatalf("empty account: %+v, %v; want an empty list and no NextToken", out, err)
		}
		for _, n := range []string{"b", "B", "a"} {
			if _, err := put(ctx, c, n, snsPolicy); err != nil {
				t.Fatal(err)
			}
		}
		if d := cmp.Diff([]string{"B", "a", "b"}, names(t, c)); d != "" {
			t.Errorf("order (-want +got):\n%s", d)
		}
		out, err = c.ListResourcePolicies(ctx, &xray.ListResourcePoliciesInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range out.ResourcePolicies {
			if p.PolicyDocument == nil || p.PolicyRevisionId == nil || p.LastUpdatedTime == nil || p.LastUpdatedTime.IsZero() {
				t.Errorf("listed policy lacks a member: %+v", p)
			}
		}
		// The SDK paginator stops after the one page.
		pages := 0
		for pg := xray.NewListResourcePoliciesPaginator(c, &xray.ListResourcePoliciesInput{}); pg.HasMorePages(); pages++ {
			if _, err := pg.NextPage(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if pages != 1 {
			t.Errorf("paginator made %d pages, want 1", pages)
		}
	})

	t.Run("L3_ForeignNextToken", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		_, err := c.ListResourcePolicies(ctx, &xray.ListResourcePoliciesInput{NextToken: aws.String("made-up")})
		wantAPIError(t, err, 400, "InvalidRequestException")
		_, err = c.ListResourcePolicies(ctx, &xray.ListResourcePoliciesInput{NextToken: aws.String(strings.Repeat("t", 101))})
		wantAPIError(t, err, 400, "InvalidRequestException")
	})

	t.Run("D1_D4_Delete", func(t *testing.T) {
		t.Parallel()
		c := newClient()
		_, err := c.DeleteResourcePolicy(ctx, &xray.DeleteResourcePolicyInput{PolicyName: aws.String("bad name")})
		wantAPIError(t, err, 400, "InvalidRequestException")
		_, err = c.DeleteResourcePolicy(ctx, &xray.DeleteResourcePolicyInput{PolicyName: aws.String("missing")})
		wantAPIError(t, err, 400, "InvalidRequestException") // D-3
		_, err = c.DeleteResourcePolicy(ctx, &xray.DeleteResourcePolicyInput{PolicyName: aws.String("missing"), PolicyRevisionId: aws.String("1")})
		wantAPIError(t, err, 400, "InvalidPolicyRevisionIdException") // D-3 with a revision
		if _, err := put(ctx, c, "p", snsPolicy); err != nil {
			t.Fatal(err)
		}
		_, err = c.DeleteResourcePolicy(ctx, &xray.DeleteResourcePolicyInput{PolicyName: aws.String("p"), PolicyRevisionId: aws.String("2")})
		wantAPIError(t, err, 400, "InvalidPolicyRevisionIdException") // D-2
		if _, err := c.DeleteResourcePolicy(ctx, &xray.DeleteResourcePolicyInput{PolicyName: aws.String("p"), PolicyRevisionId: aws.String("1")}); err != nil {
			t.Fatalf("delete: %v", err) // D-4
		}
		if n := names(t, c); len(n) != 0 {
			t.Fatalf("after delete: %v", n)
		}
		out, err := put(ctx, c, "p", snsPolicy)
		if err != nil || aws.ToString(out.ResourcePolicy.PolicyRevisionId) != "1" {
			t.Fatalf("re-create: %v, %v; want revision 1 (P-9)", out, err)
		}
	})

	t.Run("A1_A2_AccountsAndRegionsAreIsolated", func(t *testing.T) {
		t.Parallel()
		base := account.Add(2) - 1 // two accounts of its own: base and base+1
		acct := fmt.Sprint(base)
		east, west := client(url, acct, "us-east-1"), client(url, acct, "eu-west-1")
		other := client(url, fmt.Sprint(base+1), "us-east-1")
		if _, err := put(ctx, east, "east-only", snsPolicy); err != nil {
			t.Fatal(err)
		}
		if n := names(t, west); len(n) != 0 {
			t.Errorf("another region sees %v", n)
		}
		if n := names(t, other); len(n) != 0 {
			t.Errorf("another account sees %v", n)
		}
		// A key that is not 12 digits maps to the default account 000000000000.
		a, b := client(url, "AKIAIOSFODNN7EXAMPLE", "ap-south-1"), client(url, "test", "ap-south-1")
		if _, err := put(ctx, a, "default-account", snsPolicy); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{"default-account"}, names(t, b)); d != "" {
			t.Errorf("default account (-want +got):\n%s", d)
		}
	})
}

func TestE2E_T1_Throttled(t *testing.T) {
	url := startServer(t, "--throttle", "ListResourcePolicies=1")
	c := client(url, "123456789012", "us-east-1")
	ctx := context.Background()
	if _, err := c.ListResourcePolicies(ctx, &xray.ListResourcePoliciesInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := c.ListResourcePolicies(ctx, &xray.ListResourcePoliciesInput{})
	wantAPIError(t, err, 429, "ThrottledException")
	// Another account has a bucket of its own.
	if _, err := client(url, "210987654321", "us-east-1").ListResourcePolicies(ctx, &xray.ListResourcePoliciesInput{}); err != nil {
		t.Fatalf("another account: %v", err)
	}
}
