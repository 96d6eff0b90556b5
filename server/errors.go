package server

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/xraylocal/xraylocal"
)

// errorBody is the restJson1 error body. Both "message" and "Message" are sent: the Go SDK
// reads either, and botocore fills an exception's modelled Message member only from
// "Message" (botocore parsers.py, _handle_structure) — rule W-5.
type errorBody struct {
	Type         xraylocal.ErrorCode `json:"__type"`
	Message      string              `json:"message"`
	MessageUpper string              `json:"Message"`
}

// writeError is the one function that turns any error into the wire response (rule W-5).
// An error that is not an *xraylocal.Error is logged with the request id and answered as
// InternalFailure with a message that reveals nothing of it; so is the cause behind a
// ServiceUnavailableException.
func writeError(w http.ResponseWriter, log *slog.Logger, requestID string, err error) xraylocal.ErrorCode {
	code := xraylocal.InternalFailure
	msg := "the server failed to process the request; request id " + requestID
	var e *xraylocal.Error
	if errors.As(err, &e) {
		code, msg = e.Code, e.Message
	}
	if code == xraylocal.InternalFailure || code == xraylocal.ServiceUnavailableException {
		log.Error("request failed", "request_id", requestID, "code", code, "error", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", string(code))
	if code == xraylocal.MethodNotAllowedException && h.Get("Allow") == "" {
		h.Set("Allow", http.MethodPost)
	}
	w.WriteHeader(code.HTTPStatus())
	_ = json.NewEncoder(w).Encode(errorBody{Type: code, Message: msg, MessageUpper: msg})
	return code
}
