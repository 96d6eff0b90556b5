// Package sdktest holds what tests need to drive xraylocal with the AWS SDK for Go v2.
package sdktest

import (
	"bytes"
	"io"
	"net/http"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/xray"
)

// HTTPClient returns the SDK's HTTP client wrapped so that each request is sent with a
// copy of its body (see ownBodyClient).
func HTTPClient() xray.HTTPClient { return ownBodyClient{awshttp.NewBuildableClient()} }

// ownBodyClient sends each request with a copy of its body that only net/http holds.
//
// smithy-go's ClientHandler closes the request body as soon as http.Client.Do returns
// (transport/http/client.go), and Do returns once the response headers arrive. Against a
// server on loopback that answers as soon as it has read the body, net/http's write loop
// can still be making its final read of that body; the read fails, the transport closes
// the connection, and the SDK reports "failed to decode response body ... use of closed
// network connection" for a response the server sent whole (aws/aws-sdk-go-v2#2737; a
// packet capture here showed the full 200 response, then the client's RST). The SDK
// retries that error by default, but these tests run with retries off, and retrying a
// PutResourcePolicy the server already applied would change the revision anyway.
type ownBodyClient struct{ client xray.HTTPClient }

func (c ownBodyClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		req.ContentLength = int64(len(b))
	}
	return c.client.Do(req)
}
