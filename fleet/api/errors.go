package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Error codes of the JSON error shape (docs/serve.md):
// {"error": {"code": "...", "message": "...", "drs_code": N}}.
const (
	CodeUnauthorized  = "unauthorized"
	CodeNotFound      = "not_found"
	CodeBodyTooLarge  = "body_too_large"
	CodeInvalidJSON   = "invalid_json"
	CodeInvalidField  = "invalid_field"
	CodeRateLimited   = "rate_limited"
	CodeDeviceExists  = "device_exists"
	CodeInternal      = "internal"
	CodeUnsupportedCT = "unsupported_media_type"
)

// ErrorBody is the body of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what was wrong. DRSCode is the library's error code when
// the error came from DRS.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	DRSCode int    `json:"drs_code,omitempty"`
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v) // the client went away: nothing to do
}

// writeError writes the JSON error shape. message must never hold a
// secret: callers pass fixed texts and names of fields, not input.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: message}})
}

// requestError is a client error found while reading a request.
type requestError struct {
	status  int
	code    string
	message string
}

func (e *requestError) Error() string { return e.message }

func badField(format string, args ...any) *requestError {
	return &requestError{http.StatusBadRequest, CodeInvalidField, fmt.Sprintf(format, args...)}
}

// decodeJSON reads one JSON object of at most max bytes into v, refusing
// unknown fields. Its errors name the field or the byte offset, never
// echo the body.
func decodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any) *requestError {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return &requestError{http.StatusUnsupportedMediaType, CodeUnsupportedCT, "Content-Type must be application/json"}
	}
	// Read it all first (it is capped): encoding/json would turn invalid
	// UTF-8 into U+FFFD without a word.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &requestError{http.StatusRequestEntityTooLarge, CodeBodyTooLarge, fmt.Sprintf("the body is over %d bytes", tooBig.Limit)}
	case err != nil:
		return &requestError{http.StatusBadRequest, CodeInvalidJSON, "reading the body failed"}
	case !utf8.Valid(body):
		return &requestError{http.StatusBadRequest, CodeInvalidJSON, "the body is not valid UTF-8"}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			var mb *http.MaxBytesError
			if errors.As(err2, &mb) {
				err = err2
			} else {
				return &requestError{http.StatusBadRequest, CodeInvalidJSON, "the body holds more than one JSON value"}
			}
		}
	}
	if err == nil {
		return nil
	}
	var (
		mb  *http.MaxBytesError
		se  *json.SyntaxError
		ute *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &mb):
		return &requestError{http.StatusRequestEntityTooLarge, CodeBodyTooLarge, fmt.Sprintf("the body is over %d bytes", mb.Limit)}
	case errors.Is(err, io.EOF):
		return &requestError{http.StatusBadRequest, CodeInvalidJSON, "the body is empty; want a JSON object"}
	case errors.As(err, &se):
		return &requestError{http.StatusBadRequest, CodeInvalidJSON, fmt.Sprintf("malformed JSON at byte %d", se.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &requestError{http.StatusBadRequest, CodeInvalidJSON, "the JSON body ends early"}
	case errors.As(err, &ute):
		if ute.Field == "" {
			return &requestError{http.StatusBadRequest, CodeInvalidJSON, fmt.Sprintf("the body is a JSON %s; want an object", ute.Value)}
		}
		return badField("field %q: got a JSON %s, want %s", ute.Field, ute.Value, jsonType(ute.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The field name is the client's text: quote it, bounded.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if len(name) > 64 {
			name = name[:64] + "..."
		}
		return badField("unknown field %q", name)
	}
	return &requestError{http.StatusBadRequest, CodeInvalidJSON, "the body is not valid JSON"}
}

func jsonType(kind string) string {
	switch kind {
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "int", "int64", "float64", "uint", "uint64":
		return "a number"
	}
	return kind
}
