package ferry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"sync"
	"sync/atomic"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Consumer is a member of a consumer group on one topic. Read its messages
// with Next, Messages (a range-over-func iterator) or Run, and settle each one
// with Ack or Nack. Settlements are sent in batches in the background.
//
// When the stream ends (broker restart, network failure) the consumer
// resubscribes by itself with exponential backoff and rejoins the group under
// a new member id; messages still buffered from the old stream are dropped,
// since the group redelivers them.
type Consumer struct {
	client *Client
	topic  string
	group  string
	opts   consumerOptions
	acks   *acker

	ctx    context.Context // the consumer's lifetime; cancelled by Close
	cancel context.CancelFunc
	msgs   chan *Message
	done   chan struct{} // closed when the receive loop ends

	session    atomic.Pointer[session]
	mu         sync.Mutex
	assignment Assignment
	err        error // why the receive loop ended, unless Close
	closeOnce  sync.Once
	closeErr   error

	streamCancel context.CancelFunc // ends the current stream; used by open only
}

// Assignment is a member's share of its group's partitions.
type Assignment struct {
	// MemberID is this member's id in the group.
	MemberID string
	// Generation grows by one on every join and leave.
	Generation int64
	// Partitions this member owns, ascending. Empty: it waits for one to free up.
	Partitions []int32
}

// session is one Subscribe stream: one membership in the group.
type session struct {
	memberID string
}

// Subscribe joins group on topic and returns once the broker has sent the
// first assignment. It retries while the broker is unreachable, until ctx ends;
// other errors (an unknown topic, mismatched group options) are returned.
// Close the consumer when done: that sends queued acks and leaves the group.
func (c *Client) Subscribe(ctx context.Context, topic, group string, opts ...ConsumerOption) (*Consumer, error) {
	if group == "" {
		return nil, &Error{Reason: ReasonInvalidArgument, Code: codes.InvalidArgument,
			Message: "a consumer needs a group; read without a group with Fetch"}
	}
	o := defaultConsumerOptions()
	for _, opt := range opts {
		opt(&o)
	}
	cctx, cancel := context.WithCancel(context.Background())
	c2 := &Consumer{
		client: c,
		topic:  topic,
		group:  group,
		opts:   o,
		ctx:    cctx,
		cancel: cancel,
		msgs:   make(chan *Message, defaultMessageBuffer),
		done:   make(chan struct{}),
	}
	stop := context.AfterFunc(ctx, cancel) // the first join obeys ctx
	bo := newBackoff(o.reconnectMin, o.reconnectMax)
	var stream ferryv1.BrokerService_SubscribeClient
	var err error
	for {
		stream, err = c2.open()
		if err == nil || !reconnectable(err) || cctx.Err() != nil {
			break
		}
		if bo.wait(cctx) != nil {
			break
		}
	}
	if !stop() || err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	c2.acks = newAcker(c, topic, group, o.ackBatchSize, o.ackInterval)
	go c2.run(stream)
	return c2, nil
}

// Topic is the consumer's topic.
func (c *Consumer) Topic() string { return c.topic }

// Group is the consumer's group.
func (c *Consumer) Group() string { return c.group }

// Assignment is the latest assignment received.
func (c *Consumer) Assignment() Assignment {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.assignment
	a.Partitions = slices.Clone(a.Partitions)
	return a
}

// Next returns the next message. It blocks until one arrives or ctx ends; it
// returns ErrClosed after Close, or the error that stopped the consumer.
func (c *Consumer) Next(ctx context.Context) (*Message, error) {
	for {
		select {
		case m := <-c.msgs:
			if m.session != c.session.Load() {
				continue // from a stream that has ended: the group redelivers it
			}
			return m, nil
		case <-c.done:
			return nil, c.stopErr()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Messages iterates over messages until ctx ends or the consumer stops; the
// last pair carries the error (ErrClosed after Close) with a nil message.
//
//	for msg, err := range consumer.Messages(ctx) {
//		if err != nil { break }
//		handle(msg); msg.Ack()
//	}
func (c *Consumer) Messages(ctx context.Context) iter.Seq2[*Message, error] {
	return func(yield func(*Message, error) bool) {
		for {
			m, err := c.Next(ctx)
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}

// Run calls handler for each message until ctx ends or the consumer is
// closed, then returns nil (or the error that stopped the consumer). A nil
// result acks the message; an error nacks it with the error text as reason.
func (c *Consumer) Run(ctx context.Context, handler func(context.Context, *Message) error) error {
	for {
		m, err := c.Next(ctx)
		if err != nil {
			if errors.Is(err, ErrClosed) || ctx.Err() != nil {
				return nil
			}
			return err
		}
		if herr := handler(ctx, m); herr != nil {
			m.Nack(NackOptions{Reason: herr.Error()})
		} else {
			m.Ack()
		}
	}
}

// FlushAcks sends the queued acks, nacks and extends now and waits for the
// broker's answer. It returns the first error of an Ack call since the last flush.
func (c *Consumer) FlushAcks(ctx context.Context) error {
	return c.acks.flush(ctx)
}

// Close sends queued acks (waiting at most the close timeout), leaves the
// group and stops the consumer. It is idempotent.
func (c *Consumer) Close() error {
	c.closeOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), c.opts.closeTimeout)
		c.closeErr = c.acks.flush(ctx)
		cancel()
		c.cancel()
		<-c.done
		c.acks.close()
	})
	return c.closeErr
}

func (c *Consumer) stopErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	return ErrClosed
}

// open subscribes and waits for the stream's first event, the assignment.
// The stream lives until the next open, or Close.
func (c *Consumer) open() (ferryv1.BrokerService_SubscribeClient, error) {
	if c.streamCancel != nil {
		c.streamCancel()
	}
	sctx, cancel := context.WithCancel(c.ctx)
	c.streamCancel = cancel
	req := &ferryv1.SubscribeRequest{
		Topic:       c.topic,
		Group:       c.group,
		Start:       c.opts.start.proto(),
		MaxInFlight: c.opts.maxInFlight,
		ClientId:    c.opts.clientID,
		Options:     c.opts.group.proto(),
	}
	stream, err := c.client.broker.Subscribe(sctx, req)
	if err != nil {
		return nil, err
	}
	resp, err := stream.Recv()
	if err != nil {
		return nil, err
	}
	a := resp.GetAssignment()
	if a == nil {
		return nil, fmt.Errorf("ferry: subscribe: the stream's first event is not an assignment")
	}
	c.session.Store(&session{memberID: a.GetMemberId()})
	c.setAssignment(a)
	return stream, nil
}

// run receives from stream, and from new streams after it ends, until Close
// or an error that a new subscription would not cure.
func (c *Consumer) run(stream ferryv1.BrokerService_SubscribeClient) {
	defer close(c.done)
	bo := newBackoff(c.opts.reconnectMin, c.opts.reconnectMax)
	for {
		err := c.receive(stream)
		for {
			if c.ctx.Err() != nil {
				return
			}
			if !reconnectable(err) {
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
				return
			}
			if bo.wait(c.ctx) != nil {
				return
			}
			stream, err = c.open()
			if err == nil {
				bo.reset()
				break
			}
		}
	}
}

// receive delivers one stream's events until it ends.
func (c *Consumer) receive(stream ferryv1.BrokerService_SubscribeClient) error {
	sess := c.session.Load()
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		switch ev := resp.GetEvent().(type) {
		case *ferryv1.SubscribeResponse_Assignment:
			c.setAssignment(ev.Assignment)
		case *ferryv1.SubscribeResponse_Records:
			for _, r := range ev.Records.GetRecords() {
				m := &Message{
					StoredRecord: storedFromProto(r),
					Topic:        c.topic,
					Attempt:      r.GetAttempt(),
					consumer:     c,
					session:      sess,
				}
				select {
				case c.msgs <- m:
				case <-c.ctx.Done():
					return c.ctx.Err()
				}
			}
		}
	}
}

func (c *Consumer) setAssignment(a *ferryv1.Assignment) {
	as := Assignment{
		MemberID:   a.GetMemberId(),
		Generation: a.GetGeneration(),
		Partitions: slices.Clone(a.GetPartitions()),
	}
	c.mu.Lock()
	c.assignment = as
	c.mu.Unlock()
	if fn := c.opts.onAssignment; fn != nil {
		as.Partitions = slices.Clone(as.Partitions)
		fn(as)
	}
}

// reconnectable reports whether a new subscription may cure err: the stream
// ended, the broker went away or restarted, or failed transiently.
func reconnectable(err error) bool {
	if errors.Is(err, io.EOF) {
		return true
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Aborted,
		codes.Internal, codes.Unknown, codes.ResourceExhausted:
		return true
	}
	return false
}
