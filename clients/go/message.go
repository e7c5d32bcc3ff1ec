package ferry

import (
	"sync/atomic"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
)

// Message is a record delivered to a consumer group member. Settle it once
// with Ack or Nack; Extend it while still working on it. Unsettled messages
// are redelivered after the group's ack deadline.
type Message struct {
	StoredRecord
	// Topic is the topic the record was read from.
	Topic string
	// Attempt is 1 on the first delivery, then 1 + the nacks and ack timeouts so far.
	Attempt int32

	consumer *Consumer
	session  *session
	settled  atomic.Bool
}

// NackOptions say how to redeliver a nacked message.
type NackOptions struct {
	// Delay before redelivery; 0 means the group's backoff for this attempt.
	Delay time.Duration
	// Reason is kept in the dead letter's ferry-last-error header.
	Reason string
}

// Ack marks the message done: the group never receives it again. Acks are
// sent in batches in the background; Consumer.FlushAcks waits for them.
// Only the first Ack or Nack of a message counts.
func (m *Message) Ack() {
	if m.settled.CompareAndSwap(false, true) {
		m.send(&ferryv1.AckItem{Action: ferryv1.AckAction_ACK_ACTION_ACK})
	}
}

// Nack marks the message failed: it is delivered again after a delay, or
// dead-lettered after the group's max attempts.
func (m *Message) Nack(opts NackOptions) {
	if m.settled.CompareAndSwap(false, true) {
		m.send(&ferryv1.AckItem{
			Action:  ferryv1.AckAction_ACK_ACTION_NACK,
			DelayMs: ceilMs(opts.Delay),
			Reason:  opts.Reason,
		})
	}
}

// Extend pushes the ack deadline out to d from now (0: the group's ack
// deadline), for a message still being worked on.
func (m *Message) Extend(d time.Duration) {
	if !m.settled.Load() {
		m.send(&ferryv1.AckItem{Action: ferryv1.AckAction_ACK_ACTION_EXTEND, ExtendMs: ceilMs(d)})
	}
}

func (m *Message) send(item *ferryv1.AckItem) {
	if m.consumer == nil {
		return
	}
	item.Partition, item.Offset = m.Partition, m.Offset
	m.consumer.acks.add(m.session.memberID, item)
}

// ceilMs rounds a positive duration up to whole milliseconds, so a small
// delay never turns into 0 (which means "the default").
func ceilMs(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}
