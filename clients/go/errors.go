package ferry

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// ReasonMetadataKey is the trailing metadata key in which the broker sends the
// stable reason of every error status.
const ReasonMetadataKey = "ferry-error-reason"

// Reason is the broker's stable identity of an error, such as TOPIC_NOT_FOUND.
// Branch on it (or on the Err* sentinels), never on the message text.
type Reason string

// The reasons the broker sends (docs/broker-contract-for-clients.md).
const (
	ReasonTopicNotFound        Reason = "TOPIC_NOT_FOUND"
	ReasonGroupNotFound        Reason = "GROUP_NOT_FOUND"
	ReasonTopicAlreadyExists   Reason = "TOPIC_ALREADY_EXISTS"
	ReasonInvalidArgument      Reason = "INVALID_ARGUMENT"
	ReasonInvalidTopicName     Reason = "INVALID_TOPIC_NAME"
	ReasonInvalidPartition     Reason = "INVALID_PARTITION"
	ReasonRecordTooLarge       Reason = "RECORD_TOO_LARGE"
	ReasonBatchTooLarge        Reason = "BATCH_TOO_LARGE"
	ReasonOffsetOutOfRange     Reason = "OFFSET_OUT_OF_RANGE"
	ReasonOutOfOrderSequence   Reason = "OUT_OF_ORDER_SEQUENCE"
	ReasonDuplicateSequence    Reason = "DUPLICATE_SEQUENCE"
	ReasonGroupHasMembers      Reason = "GROUP_HAS_MEMBERS"
	ReasonGroupOptionsMismatch Reason = "GROUP_OPTIONS_MISMATCH"
	ReasonNotImplemented       Reason = "NOT_IMPLEMENTED"
	ReasonShuttingDown         Reason = "SHUTTING_DOWN"
	ReasonInternal             Reason = "INTERNAL"
)

// Error is an error status returned by the broker, rebuilt from its gRPC code,
// its message and the ferry-error-reason trailer. Reason is empty when the
// broker sent none (a transport failure, say); the Code still tells what happened.
//
// Match it with errors.Is against the sentinels (errors.Is(err, ferry.ErrTopicNotFound)),
// or take it apart with errors.As. status.Code(err) also works.
type Error struct {
	Reason  Reason
	Code    codes.Code
	Message string
}

// Sentinels, one per reason, for errors.Is. They match any *Error with the same reason.
var (
	ErrTopicNotFound        = &Error{Reason: ReasonTopicNotFound, Code: codes.NotFound}
	ErrGroupNotFound        = &Error{Reason: ReasonGroupNotFound, Code: codes.NotFound}
	ErrTopicAlreadyExists   = &Error{Reason: ReasonTopicAlreadyExists, Code: codes.AlreadyExists}
	ErrInvalidArgument      = &Error{Reason: ReasonInvalidArgument, Code: codes.InvalidArgument}
	ErrInvalidTopicName     = &Error{Reason: ReasonInvalidTopicName, Code: codes.InvalidArgument}
	ErrInvalidPartition     = &Error{Reason: ReasonInvalidPartition, Code: codes.InvalidArgument}
	ErrRecordTooLarge       = &Error{Reason: ReasonRecordTooLarge, Code: codes.InvalidArgument}
	ErrBatchTooLarge        = &Error{Reason: ReasonBatchTooLarge, Code: codes.InvalidArgument}
	ErrOffsetOutOfRange     = &Error{Reason: ReasonOffsetOutOfRange, Code: codes.OutOfRange}
	ErrOutOfOrderSequence   = &Error{Reason: ReasonOutOfOrderSequence, Code: codes.FailedPrecondition}
	ErrDuplicateSequence    = &Error{Reason: ReasonDuplicateSequence, Code: codes.AlreadyExists}
	ErrGroupHasMembers      = &Error{Reason: ReasonGroupHasMembers, Code: codes.FailedPrecondition}
	ErrGroupOptionsMismatch = &Error{Reason: ReasonGroupOptionsMismatch, Code: codes.FailedPrecondition}
	ErrNotImplemented       = &Error{Reason: ReasonNotImplemented, Code: codes.Unimplemented}
	ErrShuttingDown         = &Error{Reason: ReasonShuttingDown, Code: codes.Unavailable}
	ErrInternal             = &Error{Reason: ReasonInternal, Code: codes.Internal}
)

// Client-side errors.
var (
	// ErrClosed is returned by a Producer or Consumer used after Close.
	ErrClosed = errors.New("ferry: closed")
)

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("ferry: %s (%s): %s", e.Reason, e.Code, e.Message)
	}
	return fmt.Sprintf("ferry: %s: %s", e.Code, e.Message)
}

// Is reports whether target is an *Error with the same reason. A target
// without a reason matches by gRPC code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	if t.Reason != "" {
		return e.Reason == t.Reason
	}
	return e.Code == t.Code
}

// Unwrap makes errors.Is(err, context.Canceled) and
// errors.Is(err, context.DeadlineExceeded) hold for those codes.
func (e *Error) Unwrap() error {
	switch e.Code {
	case codes.Canceled:
		return context.Canceled
	case codes.DeadlineExceeded:
		return context.DeadlineExceeded
	}
	return nil
}

// GRPCStatus lets status.Code and status.FromError see the original code.
func (e *Error) GRPCStatus() *status.Status {
	return status.New(e.Code, e.Message)
}

// Temporary reports whether the call may succeed when retried as is.
func (e *Error) Temporary() bool {
	return e.Code == codes.Unavailable || e.Code == codes.DeadlineExceeded
}

// fromStatus turns an error of a gRPC call into an *Error, reading the reason
// from the trailer (or the header, for trailers-only responses). Errors that
// are not gRPC statuses pass through.
func fromStatus(err error, mds ...metadata.MD) error {
	if err == nil {
		return nil
	}
	var fe *Error
	if errors.As(err, &fe) {
		return err
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	var reason Reason
	for _, md := range mds {
		if v := md.Get(ReasonMetadataKey); len(v) > 0 && v[0] != "" {
			reason = Reason(v[0])
			break
		}
	}
	return &Error{Reason: reason, Code: st.Code(), Message: st.Message()}
}

// retryable reports whether an operation that failed with err may be retried:
// the broker was unreachable, shutting down, or did not answer in time.
func retryable(err error) bool {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Temporary()
	}
	c := status.Code(err)
	return c == codes.Unavailable || c == codes.DeadlineExceeded
}
