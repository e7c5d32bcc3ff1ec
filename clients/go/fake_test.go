package ferry

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
)

// fakeBroker is an in-process BrokerService and AdminService whose behaviour
// each unit test sets through function fields. Unset methods are UNIMPLEMENTED.
type fakeBroker struct {
	ferryv1.UnimplementedBrokerServiceServer
	ferryv1.UnimplementedAdminServiceServer

	mu            sync.Mutex
	describeTopic func(*ferryv1.DescribeTopicRequest) (*ferryv1.DescribeTopicResponse, error)
	produceBatch  func(*ferryv1.ProduceBatchRequest) (*ferryv1.ProduceBatchResponse, error)
	fetch         func(*ferryv1.FetchRequest) (*ferryv1.FetchResponse, error)
	subscribe     func(*ferryv1.SubscribeRequest, ferryv1.BrokerService_SubscribeServer) error
	ack           func(*ferryv1.AckRequest) (*ferryv1.AckResponse, error)
}

// startFake serves f over an in-memory connection and returns a client for it.
func startFake(t *testing.T, f *fakeBroker) *Client {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	srv := grpc.NewServer()
	ferryv1.RegisterBrokerServiceServer(srv, f)
	ferryv1.RegisterAdminServiceServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	c, err := Dial(context.Background(), "passthrough:///fake",
		WithDialOptions(grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return lis.DialContext(ctx)
		})))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Close()
		srv.Stop()
	})
	return c
}

// reasonError is a status error with the ferry-error-reason trailer set, as the broker sends it.
func reasonError(ctx context.Context, code codes.Code, reason Reason, msg string) error {
	_ = grpc.SetTrailer(ctx, metadata.Pairs(ReasonMetadataKey, string(reason)))
	return status.Error(code, msg)
}

func (f *fakeBroker) DescribeTopic(_ context.Context, r *ferryv1.DescribeTopicRequest) (*ferryv1.DescribeTopicResponse, error) {
	if f.describeTopic == nil {
		return &ferryv1.DescribeTopicResponse{Topic: &ferryv1.TopicInfo{Name: r.Name, Partitions: 1}}, nil
	}
	return f.describeTopic(r)
}

func (f *fakeBroker) ProduceBatch(_ context.Context, r *ferryv1.ProduceBatchRequest) (*ferryv1.ProduceBatchResponse, error) {
	return f.produceBatch(r)
}

func (f *fakeBroker) Fetch(ctx context.Context, r *ferryv1.FetchRequest) (*ferryv1.FetchResponse, error) {
	if f.fetch == nil {
		return nil, reasonError(ctx, codes.NotFound, ReasonTopicNotFound, "topic '"+r.Topic+"' does not exist")
	}
	return f.fetch(r)
}

func (f *fakeBroker) Subscribe(r *ferryv1.SubscribeRequest, s ferryv1.BrokerService_SubscribeServer) error {
	return f.subscribe(r, s)
}

func (f *fakeBroker) Ack(_ context.Context, r *ferryv1.AckRequest) (*ferryv1.AckResponse, error) {
	return f.ack(r)
}

// idempotentLog is a fake partition log that honours producer ids and sequences.
type idempotentLog struct {
	mu   sync.Mutex
	ends map[int32]int64
	seen map[string]int64 // producer/partition/sequence → offset
	next map[string]int64 // producer/partition → expected sequence
	reqs []*ferryv1.ProduceBatchRequest
}

func newIdempotentLog() *idempotentLog {
	return &idempotentLog{ends: map[int32]int64{}, seen: map[string]int64{}, next: map[string]int64{}}
}

func (l *idempotentLog) append(r *ferryv1.ProduceBatchRequest) (*ferryv1.ProduceBatchResponse, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
	p := r.GetPartition()
	resp := &ferryv1.ProduceBatchResponse{AppendTimeMs: time.Now().UnixMilli()}
	pkey := fmt.Sprintf("%s/%d", r.ProducerId, p)
	if r.ProducerId != "" {
		if r.FirstSequence > l.next[pkey] {
			return nil, status.Error(codes.FailedPrecondition, "out of order")
		}
		if r.FirstSequence < l.next[pkey] {
			for i := range r.Records {
				resp.Partitions = append(resp.Partitions, p)
				resp.Offsets = append(resp.Offsets, l.seen[fmt.Sprintf("%s/%d", pkey, r.FirstSequence+int64(i))])
			}
			resp.Duplicates = int32(len(r.Records))
			return resp, nil
		}
	}
	for i := range r.Records {
		off := l.ends[p]
		l.ends[p]++
		resp.Partitions = append(resp.Partitions, p)
		resp.Offsets = append(resp.Offsets, off)
		if r.ProducerId != "" {
			l.seen[fmt.Sprintf("%s/%d", pkey, r.FirstSequence+int64(i))] = off
		}
	}
	if r.ProducerId != "" {
		l.next[pkey] = r.FirstSequence + int64(len(r.Records))
	}
	return resp, nil
}

func (l *idempotentLog) requests() []*ferryv1.ProduceBatchRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*ferryv1.ProduceBatchRequest(nil), l.reqs...)
}
