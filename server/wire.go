package server

import (
	"strconv"
	"time"

	"github.com/xraylocal/xraylocal"
)

// Wire structs: the JSON the X-Ray API sends and receives, kept apart from domain types.
// Member names are the service model's (xray-2016-04-12).

// epochSeconds is a restJson1 timestamp: seconds since the epoch as a JSON number, with the
// fraction written out exactly to the microsecond (rule W-3). The Go SDK rejects a string
// here ("expected Timestamp to be a JSON Number", service/xray/deserializers.go).
type epochSeconds time.Time

func (t epochSeconds) MarshalJSON() ([]byte, error) { return t.appendJSON(nil), nil }

func (t epochSeconds) appendJSON(b []byte) []byte {
	tt := time.Time(t)
	b = strconv.AppendInt(b, tt.Unix(), 10)
	if us := tt.Nanosecond() / 1000; us != 0 {
		var digits [8]byte
		frac := strconv.AppendInt(digits[:0], int64(us)+1_000_000, 10)[1:] // six digits, zero-padded
		for frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		b = append(append(b, '.'), frac...)
	}
	return b
}

type resourcePolicyJSON struct {
	PolicyName       string       `json:"PolicyName"`
	PolicyDocument   string       `json:"PolicyDocument"`
	PolicyRevisionId string       `json:"PolicyRevisionId"`
	LastUpdatedTime  epochSeconds `json:"LastUpdatedTime"`
}

func (p *resourcePolicyJSON) appendJSON(b []byte) []byte {
	b = appendJSONString(append(b, `{"PolicyName":`...), p.PolicyName)
	b = appendJSONString(append(b, `,"PolicyDocument":`...), p.PolicyDocument)
	b = appendJSONString(append(b, `,"PolicyRevisionId":`...), p.PolicyRevisionId)
	b = p.LastUpdatedTime.appendJSON(append(b, `,"LastUpdatedTime":`...))
	return append(b, '}')
}

func resourcePolicyToWire(p xraylocal.ResourcePolicy) resourcePolicyJSON {
	return resourcePolicyJSON{
		PolicyName:       p.Name,
		PolicyDocument:   p.Document,
		PolicyRevisionId: p.RevisionID(),
		LastUpdatedTime:  epochSeconds(p.LastUpdated),
	}
}

type putResourcePolicyInput struct {
	PolicyName               string  `json:"PolicyName"`
	PolicyDocument           string  `json:"PolicyDocument"`
	PolicyRevisionId         *string `json:"PolicyRevisionId"`
	BypassPolicyLockoutCheck bool    `json:"BypassPolicyLockoutCheck"`
}

type putResourcePolicyOutput struct {
	ResourcePolicy resourcePolicyJSON `json:"ResourcePolicy"`
}

func (o *putResourcePolicyOutput) appendJSON(b []byte) []byte {
	return append(o.ResourcePolicy.appendJSON(append(b, `{"ResourcePolicy":`...)), '}')
}

type listResourcePoliciesInput struct {
	NextToken *string `json:"NextToken"`
}

type listResourcePoliciesOutput struct {
	ResourcePolicies []resourcePolicyJSON `json:"ResourcePolicies"`
	NextToken        *string              `json:"NextToken,omitempty"`
}

func (o *listResourcePoliciesOutput) appendJSON(b []byte) []byte {
	if o.ResourcePolicies == nil {
		b = append(b, `{"ResourcePolicies":null`...)
	} else {
		b = append(b, `{"ResourcePolicies":[`...)
		for i := range o.ResourcePolicies {
			if i > 0 {
				b = append(b, ',')
			}
			b = o.ResourcePolicies[i].appendJSON(b)
		}
		b = append(b, ']')
	}
	if o.NextToken != nil {
		b = appendJSONString(append(b, `,"NextToken":`...), *o.NextToken)
	}
	return append(b, '}')
}

type deleteResourcePolicyInput struct {
	PolicyName       string  `json:"PolicyName"`
	PolicyRevisionId *string `json:"PolicyRevisionId"`
}

type deleteResourcePolicyOutput struct{}

func (o *deleteResourcePolicyOutput) appendJSON(b []byte) []byte { return append(b, `{}`...) }
