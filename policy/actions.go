package policy

// xrayOperations lists the operation names of the X-Ray service model
// xray-2016-04-12 (botocore's service-2.json, the keys of "operations"), sorted.
// IAM names an X-Ray action "xray:" followed by the operation name (Service
// Authorization Reference, "Actions defined by AWS X-Ray"); rule V-8 accepts an
// action only when it names one of these operations or is a pattern matching one.
var xrayOperations = []string{
	"BatchGetTraces",
	"CancelTraceRetrieval",
	"CreateGroup",
	"CreateSamplingRule",
	"DeleteGroup",
	"DeleteResourcePolicy",
	"DeleteSamplingRule",
	"GetEncryptionConfig",
	"GetGroup",
	"GetGroups",
	"GetIndexingRules",
	"GetInsight",
	"GetInsightEvents",
	"GetInsightImpactGraph",
	"GetInsightSummaries",
	"GetRetrievedTracesGraph",
	"GetSamplingRules",
	"GetSamplingStatisticSummaries",
	"GetSamplingTargets",
	"GetServiceGraph",
	"GetTimeSeriesServiceStatistics",
	"GetTraceGraph",
	"GetTraceSegmentDestination",
	"GetTraceSummaries",
	"ListResourcePolicies",
	"ListRetrievedTraces",
	"ListTagsForResource",
	"PutEncryptionConfig",
	"PutResourcePolicy",
	"PutTelemetryRecords",
	"PutTraceSegments",
	"StartTraceRetrieval",
	"TagResource",
	"UntagResource",
	"UpdateGroup",
	"UpdateIndexingRule",
	"UpdateSamplingRule",
	"UpdateTraceSegmentDestination",
}

// Operations returns the X-Ray operation names an action may name, sorted.
func Operations() []string {
	out := make([]string, len(xrayOperations))
	copy(out, xrayOperations)
	return out
}

// lowerOperations holds xrayOperations in lower case, in the same order.
var lowerOperations = func() []string {
	out := make([]string, len(xrayOperations))
	for i, op := range xrayOperations {
		out[i] = lowerASCII(op)
	}
	return out
}()

// lowerOperationName maps each operation name as the model spells it to its
// lower case, sparing an allocation for the usual spelling.
var lowerOperationName = func() map[string]string {
	m := make(map[string]string, len(xrayOperations))
	for i, op := range xrayOperations {
		m[op] = lowerOperations[i]
	}
	return m
}()

// operationByLower maps each operation name in lower case to its spelling in the model.
var operationByLower = func() map[string]string {
	m := make(map[string]string, len(xrayOperations))
	for _, op := range xrayOperations {
		m[lowerASCII(op)] = op
	}
	return m
}()

// IsOperation reports whether name is an X-Ray operation, ignoring case as IAM
// does for action names (IAM JSON policy elements reference: Action).
func IsOperation(name string) bool {
	_, ok := operationByLower[lowerASCII(name)]
	return ok
}
