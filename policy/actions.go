package policy

import (
	"slices"
	"strings"
)

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

// sortedLowerOperations holds lowerOperations sorted, so that the operations
// with a given prefix are found by a binary search.
var sortedLowerOperations = func() []string {
	out := append([]string(nil), lowerOperations...)
	slices.Sort(out)
	return out
}()

// matchesSomeOperation reports whether pat, compiled from the lower-case
// pattern text, matches an operation name. Only the operations that start
// with the text before its first wildcard can match.
func matchesSomeOperation(pat *pattern, text string) bool {
	prefix := text
	if i := strings.IndexAny(text, "*?"); i >= 0 {
		prefix = text[:i]
	}
	// Operation names are short and fixed, so the library's substring search
	// serves here (for text from a request, pattern.match bounds the work).
	plain := strings.IndexByte(text, '?') < 0
	i, _ := slices.BinarySearch(sortedLowerOperations, prefix)
	for ; i < len(sortedLowerOperations) && strings.HasPrefix(sortedLowerOperations[i], prefix); i++ {
		op := sortedLowerOperations[i]
		if plain && matchStarsOnly(pat, op) || !plain && pat.match(op) {
			return true
		}
	}
	return false
}

// matchStarsOnly is pattern.match for a pattern without "?": the first piece
// starts s, the last ends it, and each between is found leftmost, as
// matchPieces does.
func matchStarsOnly(pat *pattern, s string) bool {
	pieces := pat.pieces
	if !pat.star {
		return len(pieces) == 1 && s == pieces[0].text
	}
	first, last := pieces[0].text, pieces[len(pieces)-1].text
	if len(first)+len(last) > len(s) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	rest := s[len(first) : len(s)-len(last)]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(rest, p.text)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p.text):]
	}
	return true
}

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

// operationPatternByLower maps each operation name in lower case to the pattern
// an action naming it compiles to, and operationPatternBySpelling does the same
// for the name as the model spells it. Compiled patterns are never modified, so
// all documents share these.
var operationPatternByLower, operationPatternBySpelling = func() (map[string]pattern, map[string]pattern) {
	byLower := make(map[string]pattern, len(xrayOperations))
	bySpelling := make(map[string]pattern, len(xrayOperations))
	for i, op := range xrayOperations {
		pat := pattern{pieces: []piece{{text: lowerOperations[i]}}}
		byLower[lowerOperations[i]] = pat
		bySpelling[op] = pat
	}
	return byLower, bySpelling
}()

// IsOperation reports whether name is an X-Ray operation, ignoring case as IAM
// does for action names (IAM JSON policy elements reference: Action).
func IsOperation(name string) bool {
	_, ok := operationByLower[lowerASCII(name)]
	return ok
}
