package security

import (
	"errors"
	"fmt"
)

// ErrNotFound: the object does not exist or the caller may not see it;
// the two are indistinguishable on purpose.
var ErrNotFound = errors.New("not found")

// Forbidden refuses a request for want of a right. The message names the
// right, never an object the caller cannot see.
type Forbidden struct{ Msg string }

func (e *Forbidden) Error() string { return e.Msg }

func forbidden(format string, args ...any) error {
	return &Forbidden{Msg: fmt.Sprintf(format, args...)}
}

// BadRequest is a request that does not fit the model: an unknown member,
// a constraint or sort that does not parse or bind.
type BadRequest struct{ Msg string }

func (e *BadRequest) Error() string { return e.Msg }

func badRequest(format string, args ...any) error {
	return &BadRequest{Msg: fmt.Sprintf(format, args...)}
}
