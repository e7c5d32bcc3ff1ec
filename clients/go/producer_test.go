package ferry

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func partitions(n int32) func(*ferryv1.DescribeTopicRequest) (*ferryv1.DescribeTopicResponse, error) {
	return func(r *ferryv1.DescribeTopicRequest) (*ferryv1.DescribeTopicResponse, error) {
		if !r.CreateIfMissing {
			return nil, status.Error(codes.InvalidArgument, "producer should ask with create_if_missing")
		}
		return &ferryv1.DescribeTopicResponse{Topic: &ferryv1.TopicInfo{Name: r.Name, Partitions: n}}, nil
	}
}

// TestProducerRetryKeepsSequences: a batch whose reply is lost is retried with
// the same producer id and sequence, and the broker's answer (a duplicate)
// gives the original offsets; the next batch continues the sequence.
func TestProducerRetryKeepsSequences(t *testing.T) {
	log := newIdempotentLog()
	var calls atomic.Int32
	c := startFake(t, &fakeBroker{
		describeTopic: partitions(1),
		produceBatch: func(r *ferryv1.ProduceBatchRequest) (*ferryv1.ProduceBatchResponse, error) {
			switch calls.Add(1) {
			case 1:
				return nil, status.Error(codes.Unavailable, "not yet")
			case 2:
				_, _ = log.append(r) // appended, but the reply is lost
				return nil, status.Error(codes.DeadlineExceeded, "reply lost")
			}
			return log.append(r)
		},
	})
	p := c.NewProducer("t", WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
	defer p.Close()
	ctx := context.Background()
	pos, err := p.Send(ctx, Record{Value: []byte("a")})
	if err != nil {
		t.Fatal(err)
	}
	if pos.Offset != 0 || !pos.Duplicate {
		t.Errorf("first send at %+v, want offset 0 reported as a duplicate of the lost append", pos)
	}
	pos, err = p.Send(ctx, Record{Value: []byte("b")})
	if err != nil {
		t.Fatal(err)
	}
	if pos.Offset != 1 || pos.Duplicate {
		t.Errorf("second send at %+v, want offset 1", pos)
	}
	reqs := log.requests()
	if len(reqs) != 3 {
		t.Fatalf("broker saw %d requests, want 3", len(reqs))
	}
	for i, want := range []int64{0, 0, 1} {
		if reqs[i].FirstSequence != want || reqs[i].ProducerId != p.ID() {
			t.Errorf("request %d: producer %q sequence %d, want %q %d", i, reqs[i].ProducerId, reqs[i].FirstSequence, p.ID(), want)
		}
	}
}

// TestProducerPartitionsAndBatches: keyed records follow murmur2, one batch
// per partition collects concurrent sends, unkeyed batches rotate partitions.
func TestProducerPartitionsAndBatches(t *testing.T) {
	log := newIdempotentLog()
	c := startFake(t, &fakeBroker{describeTopic: partitions(4), produceBatch: log.append})
	// A long linger, so that the 20 goroutines surely meet in one batch per
	// key even on a loaded machine; Flush below sends them without waiting.
	p := c.NewProducer("t", WithLinger(time.Minute), WithMaxBatchRecords(100))
	defer p.Close()
	ctx := context.Background()

	var wg sync.WaitGroup
	var queued sync.WaitGroup
	errs := make(chan error, 20)
	queued.Add(20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []byte(fmt.Sprintf("k%d", i%2))
			queued.Done()
			pos, err := p.Send(ctx, Record{Key: key, Value: []byte("v")})
			if err == nil && pos.Partition != KeyPartition(key, 4) {
				err = fmt.Errorf("key %s landed on %d, want %d", key, pos.Partition, KeyPartition(key, 4))
			}
			errs <- err
		}()
	}
	queued.Wait()
	waitUntil(t, func() bool { // all 20 records are in open batches
		p.mu.Lock()
		defer p.mu.Unlock()
		n := 0
		for _, q := range p.parts {
			if q.open != nil {
				n += len(q.open.records)
			}
		}
		return n == 20
	})
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := len(log.requests()); n > 2 {
		t.Errorf("20 concurrent sends of 2 keys took %d requests, want at most 2 (one per partition)", n)
	}

	// Without linger every record is a batch of its own: unkeyed ones rotate.
	p0 := c.NewProducer("t", WithLinger(0))
	defer p0.Close()
	seen := map[int32]bool{}
	for range 3 {
		pos, err := p0.Send(ctx, Record{Value: []byte("unkeyed")})
		if err != nil {
			t.Fatal(err)
		}
		seen[pos.Partition] = true
	}
	if len(seen) != 3 {
		t.Errorf("3 unkeyed batches used partitions %v, want 3 different ones", seen)
	}
}

// TestProducerMaxBatchRecords: a full batch goes out without waiting for the linger.
func TestProducerMaxBatchRecords(t *testing.T) {
	log := newIdempotentLog()
	c := startFake(t, &fakeBroker{describeTopic: partitions(1), produceBatch: log.append})
	p := c.NewProducer("t", WithLinger(time.Hour), WithMaxBatchRecords(5))
	defer p.Close()
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := p.Send(context.Background(), Record{Value: []byte("v")}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	reqs := log.requests()
	if len(reqs) != 2 || len(reqs[0].Records) != 5 || reqs[1].FirstSequence != 5 {
		t.Errorf("got %d requests, want 2 of 5 records with sequences 0 and 5", len(reqs))
	}
}

// TestProducerFailsOnPermanentError: a non-retryable error fails the sends at
// once, and the sequence is not consumed.
func TestProducerFailsOnPermanentError(t *testing.T) {
	log := newIdempotentLog()
	var calls atomic.Int32
	c := startFake(t, &fakeBroker{
		describeTopic: partitions(1),
		produceBatch: func(r *ferryv1.ProduceBatchRequest) (*ferryv1.ProduceBatchResponse, error) {
			if calls.Add(1) == 1 {
				return nil, status.Error(codes.InvalidArgument, "record too large")
			}
			return log.append(r)
		},
	})
	p := c.NewProducer("t")
	defer p.Close()
	if _, err := p.Send(context.Background(), Record{Value: []byte("big")}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Send error %v, want InvalidArgument", err)
	}
	if _, err := p.Send(context.Background(), Record{Value: []byte("ok")}); err != nil {
		t.Fatal(err)
	}
	if got := log.requests()[0].FirstSequence; got != 0 {
		t.Errorf("sequence after a rejected batch = %d, want 0", got)
	}
}

func TestProducerClose(t *testing.T) {
	log := newIdempotentLog()
	c := startFake(t, &fakeBroker{describeTopic: partitions(1), produceBatch: log.append})
	p := c.NewProducer("t", WithLinger(time.Hour))
	done := make(chan error, 1)
	go func() {
		_, err := p.Send(context.Background(), Record{Value: []byte("v")})
		done <- err
	}()
	waitUntil(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return len(p.unfinished) > 0
	})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("a send buffered before Close failed: %v", err)
	}
	if _, err := p.Send(context.Background(), Record{Value: []byte("late")}); err != ErrClosed {
		t.Fatalf("Send after Close: %v, want ErrClosed", err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// waitUntil polls cond every millisecond for up to 5 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
