package ferry

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
)

// Producer sends records to one topic. It batches records per partition
// (linger and max batch size), sends one batch per partition at a time so
// sequences stay in order, and retries UNAVAILABLE and DEADLINE_EXCEEDED with
// backoff. It is idempotent by default: a retried batch keeps its producer id
// and sequences, so the broker never appends it twice.
//
// Keyed records go to murmur2(key) mod partitions, like Kafka; records without
// a key fill one partition's batch, and the next batch goes to the next partition.
// The partition count is learned on the first Send (DescribeTopic, creating the
// topic when the broker auto-creates topics).
//
// A Producer is safe for concurrent use. Send blocks until its record is
// durable; call it from many goroutines to fill batches.
type Producer struct {
	client *Client
	topic  string
	opts   producerOptions
	id     string

	ctx     context.Context // cancelled when Close gives up waiting
	cancel  context.CancelFunc
	closing chan struct{} // closed by Close: no more Sends
	stop    chan struct{} // closed by Close: senders exit
	room    chan struct{} // one token per buffered record
	wg      sync.WaitGroup

	initMu sync.Mutex // serialises learning the partition count

	mu         sync.Mutex
	closed     bool
	parts      []*partitionQueue // nil until the partition count is known
	sticky     int32             // the partition for records without a key
	unfinished map[*batch]struct{}
}

// partitionQueue holds one partition's open batch and its sealed batches, in order.
type partitionQueue struct {
	partition int32
	open      *batch
	queue     []*batch
	wake      chan struct{}

	// Owned by the partition's sender goroutine.
	producerID string
	epoch      int
	nextSeq    int64
}

type batch struct {
	partition int32
	records   []*pendingRecord
	bytes     int
	timer     *time.Timer
	done      chan struct{}
}

type pendingRecord struct {
	rec  *ferryv1.Record
	done chan struct{}
	pos  Position
	err  error
}

// NewProducer makes a producer for topic. Close it when done.
func (c *Client) NewProducer(topic string, opts ...ProducerOption) *Producer {
	o := defaultProducerOptions()
	for _, opt := range opts {
		opt(&o)
	}
	id := o.producerID
	if id == "" {
		id = newUUID()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Producer{
		client:     c,
		topic:      topic,
		opts:       o,
		id:         id,
		ctx:        ctx,
		cancel:     cancel,
		closing:    make(chan struct{}),
		stop:       make(chan struct{}),
		room:       make(chan struct{}, o.maxBufferedRecords),
		unfinished: make(map[*batch]struct{}),
	}
}

// Topic is the producer's topic.
func (p *Producer) Topic() string { return p.topic }

// ID is the idempotent producer id.
func (p *Producer) ID() string { return p.id }

// Send appends rec to the topic and returns its position once the broker has
// made it durable. If ctx ends first, Send returns ctx's error, but the record
// may still be appended: it is already part of a batch.
func (p *Producer) Send(ctx context.Context, rec Record) (Position, error) {
	if err := p.init(ctx); err != nil {
		return Position{}, err
	}
	select {
	case p.room <- struct{}{}:
	case <-p.closing:
		return Position{}, ErrClosed
	case <-ctx.Done():
		return Position{}, ctx.Err()
	}
	pr := &pendingRecord{rec: rec.proto(), done: make(chan struct{})}
	if err := p.enqueue(rec, pr); err != nil {
		<-p.room
		return Position{}, err
	}
	select {
	case <-pr.done:
		return pr.pos, pr.err
	case <-ctx.Done():
		return Position{}, ctx.Err()
	}
}

// Flush sends every buffered record now and waits until all sent records are
// answered, or ctx ends.
func (p *Producer) Flush(ctx context.Context) error {
	p.mu.Lock()
	for _, q := range p.parts {
		p.sealLocked(q)
	}
	waits := make([]chan struct{}, 0, len(p.unfinished))
	for b := range p.unfinished {
		waits = append(waits, b.done)
	}
	p.mu.Unlock()
	for _, w := range waits {
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close stops new sends, flushes what is buffered (waiting at most the
// delivery timeout) and stops the producer. It is idempotent.
func (p *Producer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	close(p.closing)
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), p.opts.deliveryTimeout)
	err := p.Flush(ctx)
	cancel()
	p.cancel()
	close(p.stop)
	p.wg.Wait()
	return err
}

// init learns the partition count once and starts one sender per partition.
func (p *Producer) init(ctx context.Context) error {
	p.mu.Lock()
	ready, closed := p.parts != nil, p.closed
	p.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if ready {
		return nil
	}
	p.initMu.Lock()
	defer p.initMu.Unlock()
	p.mu.Lock()
	ready = p.parts != nil
	p.mu.Unlock()
	if ready {
		return nil
	}

	n, err := p.partitionCount(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	parts := make([]*partitionQueue, n)
	for i := range parts {
		q := &partitionQueue{partition: int32(i), wake: make(chan struct{}, 1), producerID: p.id}
		parts[i] = q
		p.wg.Add(1)
		go p.sendLoop(q)
	}
	p.parts = parts
	p.sticky = mrand.Int32N(n)
	return nil
}

// partitionCount asks the broker, creating the topic if it auto-creates topics.
func (p *Producer) partitionCount(ctx context.Context) (int32, error) {
	ctx, cancel := context.WithTimeout(ctx, p.opts.deliveryTimeout)
	defer cancel()
	bo := newBackoff(p.opts.retryBackoffMin, p.opts.retryBackoffMax)
	for {
		rctx, rcancel := context.WithTimeout(ctx, p.opts.requestTimeout)
		resp, err := p.client.admin.DescribeTopic(rctx, &ferryv1.DescribeTopicRequest{Name: p.topic, CreateIfMissing: true})
		rcancel()
		if err == nil {
			n := resp.GetTopic().GetPartitions()
			if n < 1 {
				return 0, fmt.Errorf("ferry: topic %q has %d partitions", p.topic, n)
			}
			return n, nil
		}
		if !retryable(err) || ctx.Err() != nil {
			return 0, err
		}
		if werr := bo.wait(ctx); werr != nil {
			return 0, err
		}
	}
}

// enqueue adds a record to its partition's open batch.
func (p *Producer) enqueue(rec Record, pr *pendingRecord) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	n := int32(len(p.parts))
	var part int32
	switch {
	case rec.Partition != nil:
		part = *rec.Partition
		if part < 0 || part >= n {
			return &Error{Reason: ReasonInvalidPartition, Code: codes.InvalidArgument,
				Message: fmt.Sprintf("partition %d does not exist in topic '%s', which has partitions 0 to %d", part, p.topic, n-1)}
		}
	case len(rec.Key) > 0:
		part = KeyPartition(rec.Key, n)
	default:
		part = p.sticky
	}
	q := p.parts[part]
	size := proto.Size(pr.rec)
	if b := q.open; b != nil && (len(b.records) >= p.opts.maxBatchRecords || b.bytes+size > p.opts.maxBatchBytes) {
		p.sealLocked(q)
	}
	if q.open == nil {
		b := &batch{partition: part, done: make(chan struct{})}
		q.open = b
		p.unfinished[b] = struct{}{}
		if p.opts.linger > 0 {
			b.timer = time.AfterFunc(p.opts.linger, func() {
				p.mu.Lock()
				if q.open == b {
					p.sealLocked(q)
				}
				p.mu.Unlock()
			})
		}
	}
	b := q.open
	b.records = append(b.records, pr)
	b.bytes += size
	if p.opts.linger == 0 || len(b.records) >= p.opts.maxBatchRecords {
		p.sealLocked(q)
	}
	return nil
}

// sealLocked closes q's open batch and hands it to the partition's sender.
// Records without a key move on to the next partition.
func (p *Producer) sealLocked(q *partitionQueue) {
	b := q.open
	if b == nil {
		return
	}
	q.open = nil
	if b.timer != nil {
		b.timer.Stop()
	}
	q.queue = append(q.queue, b)
	select {
	case q.wake <- struct{}{}:
	default:
	}
	if q.partition == p.sticky {
		p.sticky = (p.sticky + 1) % int32(len(p.parts))
	}
}

// sendLoop sends q's batches one at a time, in order.
func (p *Producer) sendLoop(q *partitionQueue) {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		var b *batch
		if len(q.queue) > 0 {
			b = q.queue[0]
			q.queue[0] = nil
			q.queue = q.queue[1:]
		}
		p.mu.Unlock()
		if b != nil {
			p.sendBatch(q, b)
			continue
		}
		select {
		case <-q.wake:
		case <-p.stop:
			p.mu.Lock()
			left := append(q.queue, q.open)
			q.queue, q.open = nil, nil
			p.mu.Unlock()
			for _, b := range left {
				if b != nil {
					if b.timer != nil {
						b.timer.Stop()
					}
					p.finish(b, nil, ErrClosed)
				}
			}
			return
		}
	}
}

// sendBatch sends one batch with retries and resolves its records.
func (p *Producer) sendBatch(q *partitionQueue, b *batch) {
	recs := make([]*ferryv1.Record, len(b.records))
	for i, pr := range b.records {
		recs[i] = pr.rec
	}
	partition := b.partition
	req := &ferryv1.ProduceBatchRequest{Topic: p.topic, Records: recs, Partition: &partition}
	resp, err := p.produce(q, req)
	if err == nil && (len(resp.GetOffsets()) != len(recs) || len(resp.GetPartitions()) != len(recs)) {
		err = fmt.Errorf("ferry: broker answered %d positions for a batch of %d records", len(resp.GetOffsets()), len(recs))
	}
	p.finish(b, resp, err)
}

// produce calls ProduceBatch until it succeeds, fails for good, or the
// delivery timeout passes. Sequences are fixed before the first attempt and
// kept across retries; they advance only on success.
func (p *Producer) produce(q *partitionQueue, req *ferryv1.ProduceBatchRequest) (*ferryv1.ProduceBatchResponse, error) {
	if p.opts.idempotent {
		req.ProducerId, req.FirstSequence = q.producerID, q.nextSeq
	}
	deadline := time.Now().Add(p.opts.deliveryTimeout)
	ctx, cancel := context.WithDeadline(p.ctx, deadline)
	defer cancel()
	bo := newBackoff(p.opts.retryBackoffMin, p.opts.retryBackoffMax)
	restarted := false
	for {
		rctx, rcancel := context.WithTimeout(ctx, p.opts.requestTimeout)
		resp, err := p.client.broker.ProduceBatch(rctx, req)
		rcancel()
		if err == nil {
			if p.opts.idempotent {
				q.nextSeq += int64(len(req.Records))
			}
			return resp, nil
		}
		if p.opts.idempotent && errors.Is(err, ErrOutOfOrderSequence) && !restarted {
			// The broker does not know this producer's earlier sequences (it
			// lost them, or an earlier batch ended in an unknown state). The
			// broker rejected this batch, so restart the partition's
			// sequence under a new producer id and send it again.
			restarted = true
			p.newEpoch(q)
			req.ProducerId, req.FirstSequence = q.producerID, q.nextSeq
			continue
		}
		if retryable(err) && ctx.Err() == nil {
			if bo.wait(ctx) == nil {
				continue
			}
		}
		if p.opts.idempotent && (retryable(err) || errors.Is(err, ErrOutOfOrderSequence) || errors.Is(err, ErrDuplicateSequence) || p.ctx.Err() != nil) {
			// The batch may or may not have been appended: never reuse its sequences.
			p.newEpoch(q)
		}
		if p.ctx.Err() != nil {
			return nil, fmt.Errorf("%w: batch abandoned: %w", ErrClosed, err)
		}
		return nil, err
	}
}

// newEpoch gives q a fresh producer id, with sequences from 0.
func (p *Producer) newEpoch(q *partitionQueue) {
	q.epoch++
	q.producerID = fmt.Sprintf("%s-%d", p.id, q.epoch)
	q.nextSeq = 0
}

// finish resolves a batch's records with resp or err.
func (p *Producer) finish(b *batch, resp *ferryv1.ProduceBatchResponse, err error) {
	appendTime := fromUnixMs(resp.GetAppendTimeMs())
	dups := int(resp.GetDuplicates())
	for i, pr := range b.records {
		if err != nil {
			pr.err = err
		} else {
			pr.pos = Position{
				Partition:  resp.Partitions[i],
				Offset:     resp.Offsets[i],
				AppendTime: appendTime,
				Duplicate:  i < dups,
			}
		}
		close(pr.done)
		<-p.room
	}
	p.mu.Lock()
	delete(p.unfinished, b)
	p.mu.Unlock()
	close(b.done)
}

// newUUID returns a random (version 4) UUID string.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
