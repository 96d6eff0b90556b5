package xraylocal

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrorCode is an AWS error code, spelled exactly as it travels in the X-Amzn-ErrorType
// header and the "__type" member of an error body.
type ErrorCode string

// Error codes xraylocal answers with. Modelled X-Ray errors come first (service model
// xray-2016-04-12), then the protocol and authentication errors every AWS endpoint uses.
const (
	InvalidRequestException           ErrorCode = "InvalidRequestException"
	ThrottledException                ErrorCode = "ThrottledException"
	InvalidPolicyRevisionIdException  ErrorCode = "InvalidPolicyRevisionIdException"
	LockoutPreventionException        ErrorCode = "LockoutPreventionException"
	MalformedPolicyDocumentException  ErrorCode = "MalformedPolicyDocumentException"
	PolicyCountLimitExceededException ErrorCode = "PolicyCountLimitExceededException"
	PolicySizeLimitExceededException  ErrorCode = "PolicySizeLimitExceededException"
	ResourceNotFoundException         ErrorCode = "ResourceNotFoundException"
	RuleLimitExceededException        ErrorCode = "RuleLimitExceededException"
	TooManyTagsException              ErrorCode = "TooManyTagsException"

	SerializationException         ErrorCode = "SerializationException"
	UnknownOperationException      ErrorCode = "UnknownOperationException"
	NotImplemented                 ErrorCode = "NotImplemented"
	MethodNotAllowedException      ErrorCode = "MethodNotAllowedException"
	RequestEntityTooLargeException ErrorCode = "RequestEntityTooLargeException"
	InternalFailure                ErrorCode = "InternalFailure"
	ServiceUnavailableException    ErrorCode = "ServiceUnavailableException"

	MissingAuthenticationTokenException ErrorCode = "MissingAuthenticationTokenException"
	IncompleteSignatureException        ErrorCode = "IncompleteSignatureException"
	UnrecognizedClientException         ErrorCode = "UnrecognizedClientException"
	InvalidSignatureException           ErrorCode = "InvalidSignatureException"
)

// httpStatus is the one table from error code to HTTP status. Codes absent here are 400,
// the status Smithy gives a client error without an httpError trait.
var httpStatus = map[ErrorCode]int{
	ThrottledException:                  http.StatusTooManyRequests,
	ResourceNotFoundException:           http.StatusNotFound,
	UnknownOperationException:           http.StatusNotFound,
	NotImplemented:                      http.StatusNotImplemented,
	MethodNotAllowedException:           http.StatusMethodNotAllowed,
	RequestEntityTooLargeException:      http.StatusRequestEntityTooLarge,
	InternalFailure:                     http.StatusInternalServerError,
	ServiceUnavailableException:         http.StatusServiceUnavailable,
	MissingAuthenticationTokenException: http.StatusForbidden,
	IncompleteSignatureException:        http.StatusForbidden,
	UnrecognizedClientException:         http.StatusForbidden,
	InvalidSignatureException:           http.StatusForbidden,
}

// HTTPStatus returns the HTTP status an error of this code is answered with.
func (c ErrorCode) HTTPStatus() int {
	if s, ok := httpStatus[c]; ok {
		return s
	}
	return http.StatusBadRequest
}

// Error is an error the client is meant to see: an AWS error code and a message that
// says what to fix. Any other error reaching the edge is answered as InternalFailure.
type Error struct {
	Code    ErrorCode
	Message string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCodeOf returns the code of the *Error in err's chain, or InternalFailure when there is none.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return InternalFailure
}
