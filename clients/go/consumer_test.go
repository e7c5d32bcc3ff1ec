package ferry

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func assignmentEvent(member string, gen int64, parts ...int32) *ferryv1.SubscribeResponse {
	return &ferryv1.SubscribeResponse{Event: &ferryv1.SubscribeResponse_Assignment{
		Assignment: &ferryv1.Assignment{MemberId: member, Generation: gen, Partitions: parts},
	}}
}

func recordsEvent(partition int32, attempt int32, offsets ...int64) *ferryv1.SubscribeResponse {
	b := &ferryv1.RecordBatch{}
	for _, o := range offsets {
		b.Records = append(b.Records, &ferryv1.ConsumedRecord{
			Partition: partition, Offset: o, Attempt: attempt,
			Record: &ferryv1.Record{Value: []byte(fmt.Sprintf("v%d", o))},
		})
	}
	return &ferryv1.SubscribeResponse{Event: &ferryv1.SubscribeResponse_Records{Records: b}}
}

type ackLog struct {
	mu   sync.Mutex
	reqs []*ferryv1.AckRequest
}

func (l *ackLog) ack(r *ferryv1.AckRequest) (*ferryv1.AckResponse, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
	out := &ferryv1.AckResponse{}
	for range r.Items {
		out.Outcomes = append(out.Outcomes, ferryv1.AckOutcome_ACK_OUTCOME_OK)
	}
	return out, nil
}

func (l *ackLog) requests() []*ferryv1.AckRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*ferryv1.AckRequest(nil), l.reqs...)
}

// TestConsumerCoalescesAcks: ten acks, nacks and extends go out in one Ack
// call, the consecutive acks as one run.
func TestConsumerCoalescesAcks(t *testing.T) {
	acks := &ackLog{}
	c := startFake(t, &fakeBroker{
		subscribe: func(r *ferryv1.SubscribeRequest, s ferryv1.BrokerService_SubscribeServer) error {
			_ = s.Send(assignmentEvent("m1", 1, 0))
			_ = s.Send(recordsEvent(0, 1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9))
			<-s.Context().Done()
			return nil
		},
		ack: acks.ack,
	})
	cons, err := c.Subscribe(context.Background(), "t", "g", WithAckBatching(100, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i := range 10 {
		m, err := cons.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Offset != int64(i) || m.Attempt != 1 || string(m.Value) != fmt.Sprintf("v%d", i) {
			t.Fatalf("message %d: %+v", i, m)
		}
		switch i {
		case 0:
			m.Nack(NackOptions{Delay: 1500 * time.Microsecond, Reason: "boom"})
		case 1:
			m.Extend(time.Second)
			m.Ack()
		default:
			m.Ack()
		}
		m.Ack() // a second settle is ignored
	}
	if err := cons.FlushAcks(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := acks.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d Ack calls, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Topic != "t" || r.Group != "g" || r.MemberId != "m1" || recordsCovered(r) != 11 {
		t.Fatalf("Ack request %v, want 11 records covered", r)
	}
	if got, want := ackCalls(reqs), []string{"m1: nack 0@0 extend 0@1 0@1x9"}; !slices.Equal(got, want) {
		t.Fatalf("Ack calls %q, want %q", got, want)
	}
	if it := r.Items[0]; it.Action != ferryv1.AckAction_ACK_ACTION_NACK || it.DelayMs != 2 || it.Reason != "boom" {
		t.Errorf("nack item %v, want NACK delay 2 ms (rounded up) reason boom", it)
	}
	if it := r.Items[1]; it.Action != ferryv1.AckAction_ACK_ACTION_EXTEND || it.ExtendMs != 1000 || it.Offset != 1 {
		t.Errorf("extend item %v", it)
	}
}

// TestConsumerReconnects: when the stream fails, the consumer subscribes again,
// reports the new assignment, and acks under the new member id.
func TestConsumerReconnects(t *testing.T) {
	acks := &ackLog{}
	var streams atomic.Int32
	c := startFake(t, &fakeBroker{
		subscribe: func(r *ferryv1.SubscribeRequest, s ferryv1.BrokerService_SubscribeServer) error {
			n := streams.Add(1)
			member := fmt.Sprintf("m%d", n)
			_ = s.Send(assignmentEvent(member, int64(n), 0))
			_ = s.Send(recordsEvent(0, n, int64(n-1)))
			if n == 1 {
				return status.Error(codes.Unavailable, "broker going away")
			}
			<-s.Context().Done()
			return nil
		},
		ack: acks.ack,
	})
	var assignments []Assignment
	var mu sync.Mutex
	cons, err := c.Subscribe(context.Background(), "t", "g",
		WithReconnectBackoff(time.Millisecond, 10*time.Millisecond),
		OnAssignment(func(a Assignment) {
			mu.Lock()
			assignments = append(assignments, a)
			mu.Unlock()
		}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var got *Message
	for got == nil || got.Offset != 1 {
		if got, err = cons.Next(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got.Ack()
	if err := cons.Close(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(assignments) < 2 || assignments[1].MemberID != "m2" {
		t.Errorf("assignments %+v, want m1 then m2", assignments)
	}
	reqs := acks.requests()
	if len(reqs) != 1 || reqs[0].MemberId != "m2" {
		t.Errorf("acks %v, want one under member m2", reqs)
	}
	if _, err := cons.Next(ctx); !errors.Is(err, ErrClosed) {
		t.Errorf("Next after Close: %v, want ErrClosed", err)
	}
}

// TestConsumerStopsOnPermanentError: a stream error a resubscribe cannot cure
// ends the consumer with that error.
func TestConsumerStopsOnPermanentError(t *testing.T) {
	var streams atomic.Int32
	c := startFake(t, &fakeBroker{
		subscribe: func(r *ferryv1.SubscribeRequest, s ferryv1.BrokerService_SubscribeServer) error {
			if streams.Add(1) == 1 {
				_ = s.Send(assignmentEvent("m1", 1, 0))
				return status.Error(codes.Unavailable, "restarting")
			}
			return reasonError(s.Context(), codes.NotFound, ReasonTopicNotFound, "topic 't' does not exist")
		},
	})
	cons, err := c.Subscribe(context.Background(), "t", "g", WithReconnectBackoff(time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cons.Next(ctx); !errors.Is(err, ErrTopicNotFound) {
		t.Fatalf("Next: %v, want TOPIC_NOT_FOUND", err)
	}
}
