package ferry

import (
	"context"
	"errors"
	"testing"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestErrorIsMatchesByReason(t *testing.T) {
	err := error(&Error{Reason: ReasonTopicNotFound, Code: codes.NotFound, Message: "topic 'x' does not exist"})
	if !errors.Is(err, ErrTopicNotFound) {
		t.Error("errors.Is(err, ErrTopicNotFound) = false")
	}
	if errors.Is(err, ErrGroupNotFound) {
		t.Error("a TOPIC_NOT_FOUND error matched ErrGroupNotFound, which has the same code")
	}
	if !errors.Is(err, &Error{Code: codes.NotFound}) {
		t.Error("a sentinel without a reason should match by code")
	}
	if got := status.Code(err); got != codes.NotFound {
		t.Errorf("status.Code = %v, want NotFound", got)
	}
}

func TestErrorWithoutReasonKeepsCode(t *testing.T) {
	err := fromStatus(status.Error(codes.Unavailable, "connection refused"))
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("fromStatus returned %T, want *Error", err)
	}
	if fe.Reason != "" || fe.Code != codes.Unavailable || !fe.Temporary() {
		t.Errorf("got %+v, want no reason, code Unavailable, temporary", fe)
	}
	if !retryable(err) {
		t.Error("UNAVAILABLE should be retryable")
	}
}

func TestErrorUnwrapsContextErrors(t *testing.T) {
	if err := fromStatus(status.Error(codes.DeadlineExceeded, "late")); !errors.Is(err, context.DeadlineExceeded) {
		t.Error("DEADLINE_EXCEEDED does not match context.DeadlineExceeded")
	}
	if err := fromStatus(status.Error(codes.Canceled, "gone")); !errors.Is(err, context.Canceled) {
		t.Error("CANCELLED does not match context.Canceled")
	}
}

func TestNonStatusErrorsPassThrough(t *testing.T) {
	plain := errors.New("plain")
	if got := fromStatus(plain); got != plain {
		t.Errorf("fromStatus(plain) = %v", got)
	}
}

// TestReasonFromTrailer: a unary call's error is rebuilt from the trailer.
func TestReasonFromTrailer(t *testing.T) {
	c := startFake(t, &fakeBroker{})
	_, err := c.Fetch(context.Background(), "missing", 0, 0, FetchOptions{})
	var fe *Error
	if !errors.As(err, &fe) {
		t.Fatalf("Fetch error %v (%T), want *Error", err, err)
	}
	if fe.Reason != ReasonTopicNotFound || fe.Code != codes.NotFound {
		t.Errorf("got reason %q code %v, want TOPIC_NOT_FOUND NotFound", fe.Reason, fe.Code)
	}
	if !errors.Is(err, ErrTopicNotFound) {
		t.Error("errors.Is(err, ErrTopicNotFound) = false")
	}
}

// TestReasonFromStreamTrailer: a stream's error is rebuilt from its trailer.
func TestReasonFromStreamTrailer(t *testing.T) {
	c := startFake(t, &fakeBroker{
		subscribe: func(_ *ferryv1.SubscribeRequest, s ferryv1.BrokerService_SubscribeServer) error {
			return reasonError(s.Context(), codes.FailedPrecondition, ReasonGroupOptionsMismatch, "max_attempts 3 does not match 5")
		},
	})
	_, err := c.Subscribe(context.Background(), "t", "g")
	if !errors.Is(err, ErrGroupOptionsMismatch) {
		t.Fatalf("Subscribe error %v, want GROUP_OPTIONS_MISMATCH", err)
	}
}
