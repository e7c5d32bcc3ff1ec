package ferry

import (
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
)

// Consumer defaults.
const (
	DefaultAckBatchSize     = 256
	DefaultAckInterval      = 5 * time.Millisecond
	DefaultCloseTimeout     = 5 * time.Second
	DefaultReconnectMin     = 100 * time.Millisecond
	DefaultReconnectMax     = 5 * time.Second
	defaultMessageBuffer    = 1000
	maxAckItemsPerRequest   = 500
	defaultAckRetryDuration = 5 * time.Second
)

// GroupOptions are a consumer group's settings, applied when a subscription
// creates the group; for an existing group, any setting given must match.
// Zero values mean the broker's defaults.
type GroupOptions struct {
	// AckDeadline: how long a delivered record may stay unacked before it is
	// redelivered. Broker default 30 s.
	AckDeadline time.Duration
	// MaxAttempts: failed deliveries (nacks and timeouts) before a record goes
	// to the dead-letter topic. Broker default 5.
	MaxAttempts int32
	// BackoffMin and BackoffMax: the retry delay after a nack or timeout
	// starts at BackoffMin and doubles up to BackoffMax. Broker defaults 1 s and 60 s.
	BackoffMin time.Duration
	BackoffMax time.Duration
	// DeadLetterTopic: where dead letters go. Broker default "<topic>.<group>.dlq".
	DeadLetterTopic string
}

func (g GroupOptions) proto() *ferryv1.GroupOptions {
	return &ferryv1.GroupOptions{
		AckDeadlineMs:   durationMs(g.AckDeadline),
		MaxAttempts:     g.MaxAttempts,
		BackoffMinMs:    durationMs(g.BackoffMin),
		BackoffMaxMs:    durationMs(g.BackoffMax),
		DeadLetterTopic: g.DeadLetterTopic,
	}
}

// ConsumerOption configures Subscribe.
type ConsumerOption func(*consumerOptions)

type consumerOptions struct {
	start        StartPosition
	maxInFlight  int32
	clientID     string
	group        GroupOptions
	ackBatchSize int
	ackInterval  time.Duration
	closeTimeout time.Duration
	reconnectMin time.Duration
	reconnectMax time.Duration
	onAssignment func(Assignment)
}

func defaultConsumerOptions() consumerOptions {
	return consumerOptions{
		ackBatchSize: DefaultAckBatchSize,
		ackInterval:  DefaultAckInterval,
		closeTimeout: DefaultCloseTimeout,
		reconnectMin: DefaultReconnectMin,
		reconnectMax: DefaultReconnectMax,
	}
}

// WithStart sets where a new group starts. Default: earliest.
func WithStart(s StartPosition) ConsumerOption {
	return func(o *consumerOptions) { o.start = s }
}

// WithMaxInFlight caps the records delivered to this member and not yet
// settled. 0 means the broker's default (1000).
func WithMaxInFlight(n int32) ConsumerOption {
	return func(o *consumerOptions) { o.maxInFlight = n }
}

// WithClientID labels this member in DescribeGroup (a host name, say).
func WithClientID(id string) ConsumerOption {
	return func(o *consumerOptions) { o.clientID = id }
}

// WithGroupOptions sets the group's settings (see GroupOptions).
func WithGroupOptions(g GroupOptions) ConsumerOption {
	return func(o *consumerOptions) { o.group = g }
}

// WithAckBatching coalesces acks, nacks and extends into one Ack call per
// size records or per interval, whichever comes first. Consecutive acks of a
// partition travel as one offset run (an AckItem with a Count); nacks and
// extends are an item each. size is at most 500.
// Default DefaultAckBatchSize (256) and DefaultAckInterval (5 ms).
func WithAckBatching(size int, interval time.Duration) ConsumerOption {
	return func(o *consumerOptions) {
		o.ackBatchSize = min(max(size, 1), maxAckItemsPerRequest)
		o.ackInterval = max(interval, 0)
	}
}

// WithCloseTimeout bounds how long Close waits to send queued acks.
// Default DefaultCloseTimeout (5 s).
func WithCloseTimeout(d time.Duration) ConsumerOption {
	return func(o *consumerOptions) { o.closeTimeout = d }
}

// WithReconnectBackoff sets the delay before resubscribing after the stream
// ends: from min, doubling, up to max. Default 100 ms to 5 s.
func WithReconnectBackoff(min, max time.Duration) ConsumerOption {
	return func(o *consumerOptions) { o.reconnectMin, o.reconnectMax = min, max }
}

// OnAssignment calls fn with every assignment this consumer receives: on
// joining, on every rebalance and after every reconnect. fn runs on the
// consumer's receive goroutine: keep it short.
func OnAssignment(fn func(Assignment)) ConsumerOption {
	return func(o *consumerOptions) { o.onAssignment = fn }
}
