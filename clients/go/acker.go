package ferry

import (
	"context"
	"errors"
	"sync"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
)

// acker coalesces a consumer's acks, nacks and extends into batched Ack calls:
// a batch goes out when it covers batchSize records or interval after its first
// item. An ack that continues the batch's last run of acks on its partition
// extends that run (one AckItem with a Count) instead of adding an item.
type acker struct {
	client    *Client
	topic     string
	group     string
	batchSize int
	interval  time.Duration

	in      chan pendingAck
	flushes chan chan error
	stop    chan struct{}
	done    chan struct{}

	mu      sync.Mutex
	lastErr error
}

type pendingAck struct {
	memberID string
	item     *ferryv1.AckItem
}

// ackBatch is the queue of one batch: its items in order, consecutive acks of a
// partition folded into runs. Runs never cross a batch.
type ackBatch struct {
	items   []pendingAck
	records int                  // records the items cover
	runs    map[int32]pendingAck // per partition, the last run of acks
}

// add queues p: a one-offset ack that is the next offset of its partition's run
// (under the same member id) extends the run; anything else is a new item, and a
// nack or an extend ends its partition's run, so each partition keeps its order.
func (b *ackBatch) add(p pendingAck) {
	b.records++
	it := p.item
	if !isSingleAck(it) {
		// A nack or an extend ends its partition's run: a later ack must not move ahead of it.
		delete(b.runs, it.Partition)
		b.items = append(b.items, p)
		return
	}
	if run, ok := b.runs[it.Partition]; ok && run.memberID == p.memberID {
		if n := max(run.item.Count, 1); run.item.Offset+n == it.Offset {
			run.item.Count = n + 1
			return
		}
	}
	if b.runs == nil {
		b.runs = map[int32]pendingAck{}
	}
	b.runs[it.Partition] = p
	b.items = append(b.items, p)
}

func isSingleAck(it *ferryv1.AckItem) bool {
	return (it.Action == ferryv1.AckAction_ACK_ACTION_ACK || it.Action == ferryv1.AckAction_ACK_ACTION_UNSPECIFIED) &&
		it.Count <= 1
}

func newAcker(c *Client, topic, group string, batchSize int, interval time.Duration) *acker {
	a := &acker{
		client:    c,
		topic:     topic,
		group:     group,
		batchSize: batchSize,
		interval:  interval,
		in:        make(chan pendingAck, 4*batchSize),
		flushes:   make(chan chan error),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go a.run()
	return a
}

// add queues one item. After stop it is dropped: the record will be redelivered.
func (a *acker) add(memberID string, item *ferryv1.AckItem) {
	select {
	case a.in <- pendingAck{memberID, item}:
	case <-a.stop:
	}
}

// flush sends everything queued so far and returns the first error since the
// previous flush.
func (a *acker) flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case a.flushes <- reply:
	case <-a.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close sends what is queued and stops.
func (a *acker) close() {
	select {
	case <-a.stop:
	default:
		close(a.stop)
	}
	<-a.done
}

func (a *acker) run() {
	defer close(a.done)
	var batch ackBatch
	var timer *time.Timer
	var tick <-chan time.Time
	send := func() {
		if timer != nil {
			timer.Stop()
			timer, tick = nil, nil
		}
		if len(batch.items) > 0 {
			a.send(batch.items)
			batch = ackBatch{}
		}
	}
	queue := func(p pendingAck) {
		batch.add(p)
		if batch.records >= a.batchSize || a.interval == 0 {
			send()
		}
	}
	drain := func() {
		for {
			select {
			case p := <-a.in:
				queue(p)
			default:
				return
			}
		}
	}
	for {
		select {
		case p := <-a.in:
			queue(p)
			if timer == nil && len(batch.items) > 0 {
				timer = time.NewTimer(a.interval)
				tick = timer.C
			}
		case <-tick:
			timer, tick = nil, nil
			send()
		case reply := <-a.flushes:
			drain()
			send()
			a.mu.Lock()
			err := a.lastErr
			a.lastErr = nil
			a.mu.Unlock()
			reply <- err
		case <-a.stop:
			drain()
			send()
			return
		}
	}
}

// send issues Ack calls for buf: one per member id (a reconnect changes it),
// at most maxAckItemsPerRequest items each, in order.
func (a *acker) send(buf []pendingAck) {
	for len(buf) > 0 {
		member := buf[0].memberID
		items := make([]*ferryv1.AckItem, 0, len(buf))
		n := 0
		for n < len(buf) && buf[n].memberID == member && len(items) < maxAckItemsPerRequest {
			items = append(items, buf[n].item)
			n++
		}
		buf = buf[n:]
		if err := a.call(member, items); err != nil {
			a.mu.Lock()
			if a.lastErr == nil {
				a.lastErr = err
			}
			a.mu.Unlock()
		}
	}
}

// call sends one Ack request, retrying while the broker is unreachable for a
// short while. An ack that is lost anyway only means a redelivery.
func (a *acker) call(member string, items []*ferryv1.AckItem) error {
	ctx, cancel := context.WithTimeout(context.Background(), defaultAckRetryDuration)
	defer cancel()
	bo := newBackoff(20*time.Millisecond, 500*time.Millisecond)
	req := &ferryv1.AckRequest{Topic: a.topic, Group: a.group, MemberId: member, Items: items}
	for {
		_, err := a.client.broker.Ack(ctx, req)
		if err == nil {
			return nil
		}
		if !retryable(err) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return err
		}
		if bo.wait(ctx) != nil {
			return err
		}
	}
}
