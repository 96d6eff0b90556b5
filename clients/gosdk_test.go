package clients

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/xray"
	"github.com/aws/aws-sdk-go-v2/service/xray/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/xraylocal/xraylocal/internal/sdktest"
)

// goRunner runs scenarios through the AWS SDK for Go v2, retries off.
type goRunner struct {
	file *scenarioFile
	cfg  runnerConfig

	mu      sync.Mutex
	clients map[[3]string]*xray.Client
}

func (r *goRunner) client(key, region, endpoint string) *xray.Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := [3]string{key, region, endpoint}
	if c, ok := r.clients[id]; ok {
		return c
	}
	c := xray.New(xray.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(key, "xraylocal-secret", ""),
		Retryer:      aws.NopRetryer{},
		HTTPClient:   sdktest.HTTPClient(),
	})
	if r.clients == nil {
		r.clients = map[[3]string]*xray.Client{}
	}
	r.clients[id] = c
	return c
}

// run runs scenario number index and returns "" or what went wrong.
func (r *goRunner) run(ctx context.Context, sc scenario, index int) string {
	for n, st := range sc.Steps {
		key, region, endpoint, err := r.file.who(r.cfg, sc, index, st)
		if err != nil {
			return err.Error()
		}
		if d := r.step(ctx, r.client(key, region, endpoint), st); d != "" {
			return fmt.Sprintf("step %d %s as %s in %s: %s", n+1, st.Op, key, region, d)
		}
	}
	return ""
}

func (r *goRunner) step(ctx context.Context, c *xray.Client, st step) string {
	got, meta, err := r.call(ctx, c, st)
	if err != nil {
		var api smithy.APIError
		var resp *awshttp.ResponseError
		if !errors.As(err, &api) || !errors.As(err, &resp) {
			return fmt.Sprintf("%v (not a service error)", err)
		}
		if resp.ServiceRequestID() == "" {
			return "error response without x-amzn-RequestId"
		}
		want := st.Expect.Error
		if want == nil {
			return fmt.Sprintf("got error %s (HTTP %d): %s; want success", api.ErrorCode(), resp.HTTPStatusCode(), api.ErrorMessage())
		}
		if api.ErrorCode() != want.Code || resp.HTTPStatusCode() != want.Status {
			return fmt.Sprintf("got %s HTTP %d (%s), want %s HTTP %d", api.ErrorCode(), resp.HTTPStatusCode(), api.ErrorMessage(), want.Code, want.Status)
		}
		if api.ErrorMessage() == "" {
			return api.ErrorCode() + " arrived without a message"
		}
		return ""
	}
	if st.Expect.Error != nil {
		return fmt.Sprintf("succeeded with %v; want %s", got, st.Expect.Error.Code)
	}
	if id, ok := awsmiddleware.GetRequestIDMetadata(meta); !ok || id == "" {
		return "response without x-amzn-RequestId"
	}
	if raw, ok := awsmiddleware.GetRawResponse(meta).(*smithyhttp.Response); !ok || raw.StatusCode != 200 {
		return fmt.Sprintf("raw response %v: want HTTP 200", awsmiddleware.GetRawResponse(meta))
	}
	want, err := r.file.resolve(any(st.Expect.Output))
	if err != nil {
		return err.Error()
	}
	return match(want, got, "output")
}

// call makes the step's call and returns its result as JSON-like values (time.Time for
// timestamps), less the metadata, which it returns apart.
func (r *goRunner) call(ctx context.Context, c *xray.Client, st step) (map[string]any, middleware.Metadata, error) {
	var in any
	if err := json.Unmarshal(st.Input, &in); err != nil {
		return nil, middleware.Metadata{}, err
	}
	in, err := r.file.resolve(in)
	if err != nil {
		return nil, middleware.Metadata{}, err
	}
	switch st.Op {
	case "PutResourcePolicy":
		var input xray.PutResourcePolicyInput
		if err := decodeInput(in, &input); err != nil {
			return nil, middleware.Metadata{}, err
		}
		out, err := c.PutResourcePolicy(ctx, &input)
		if err != nil {
			return nil, middleware.Metadata{}, err
		}
		got := map[string]any{}
		if out.ResourcePolicy != nil {
			got["ResourcePolicy"] = policyValue(*out.ResourcePolicy)
		}
		return got, out.ResultMetadata, nil
	case "ListResourcePolicies":
		var input xray.ListResourcePoliciesInput
		if err := decodeInput(in, &input); err != nil {
			return nil, middleware.Metadata{}, err
		}
		out, err := c.ListResourcePolicies(ctx, &input)
		if err != nil {
			return nil, middleware.Metadata{}, err
		}
		got := map[string]any{}
		// The SDK leaves the slice nil when the member is absent, empty when it is [].
		if out.ResourcePolicies != nil {
			list := []any{}
			for _, p := range out.ResourcePolicies {
				list = append(list, policyValue(p))
			}
			got["ResourcePolicies"] = list
		}
		if out.NextToken != nil {
			got["NextToken"] = *out.NextToken
		}
		return got, out.ResultMetadata, nil
	case "DeleteResourcePolicy":
		var input xray.DeleteResourcePolicyInput
		if err := decodeInput(in, &input); err != nil {
			return nil, middleware.Metadata{}, err
		}
		out, err := c.DeleteResourcePolicy(ctx, &input)
		if err != nil {
			return nil, middleware.Metadata{}, err
		}
		return map[string]any{}, out.ResultMetadata, nil // the output shape has no members
	}
	return nil, middleware.Metadata{}, fmt.Errorf("unknown operation %q", st.Op)
}

// decodeInput fills an SDK input struct from the step's members, which are named as the
// struct's fields; an unknown member is an error, not a silently dropped parameter.
func decodeInput(in any, input any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(input)
}

func policyValue(p types.ResourcePolicy) map[string]any {
	v := map[string]any{}
	if p.PolicyName != nil {
		v["PolicyName"] = *p.PolicyName
	}
	if p.PolicyDocument != nil {
		v["PolicyDocument"] = *p.PolicyDocument
	}
	if p.PolicyRevisionId != nil {
		v["PolicyRevisionId"] = *p.PolicyRevisionId
	}
	if p.LastUpdatedTime != nil {
		v["LastUpdatedTime"] = *p.LastUpdatedTime
	}
	return v
}
