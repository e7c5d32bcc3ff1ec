package ferry

import "time"

// Producer defaults.
const (
	DefaultLinger             = 5 * time.Millisecond
	DefaultMaxBatchRecords    = 5000
	DefaultMaxBatchBytes      = 1 << 20
	DefaultMaxBufferedRecords = 10000
	DefaultRequestTimeout     = 10 * time.Second
	DefaultDeliveryTimeout    = 30 * time.Second
)

// ProducerOption configures NewProducer.
type ProducerOption func(*producerOptions)

type producerOptions struct {
	linger             time.Duration
	maxBatchRecords    int
	maxBatchBytes      int
	maxBufferedRecords int
	idempotent         bool
	producerID         string
	requestTimeout     time.Duration
	deliveryTimeout    time.Duration
	retryBackoffMin    time.Duration
	retryBackoffMax    time.Duration
}

func defaultProducerOptions() producerOptions {
	return producerOptions{
		linger:             DefaultLinger,
		maxBatchRecords:    DefaultMaxBatchRecords,
		maxBatchBytes:      DefaultMaxBatchBytes,
		maxBufferedRecords: DefaultMaxBufferedRecords,
		idempotent:         true,
		requestTimeout:     DefaultRequestTimeout,
		deliveryTimeout:    DefaultDeliveryTimeout,
		retryBackoffMin:    50 * time.Millisecond,
		retryBackoffMax:    time.Second,
	}
}

// WithLinger is how long a batch waits for more records before it is sent.
// 0 sends every record at once (no batching beyond concurrent sends).
// Default DefaultLinger (5 ms).
func WithLinger(d time.Duration) ProducerOption {
	return func(o *producerOptions) { o.linger = max(d, 0) }
}

// WithMaxBatchRecords caps the records of one ProduceBatch call; a full batch
// is sent at once. Keep it at or below the broker's max_batch_records.
// Default DefaultMaxBatchRecords (5000).
func WithMaxBatchRecords(n int) ProducerOption {
	return func(o *producerOptions) { o.maxBatchRecords = max(n, 1) }
}

// WithMaxBatchBytes caps the encoded size of one batch. Default 1 MiB.
func WithMaxBatchBytes(n int) ProducerOption {
	return func(o *producerOptions) { o.maxBatchBytes = max(n, 1) }
}

// WithMaxBufferedRecords caps the records sent and not yet answered; Send
// waits for room beyond it. Default DefaultMaxBufferedRecords (10000).
func WithMaxBufferedRecords(n int) ProducerOption {
	return func(o *producerOptions) { o.maxBufferedRecords = max(n, 1) }
}

// WithIdempotence turns idempotent produce on or off. On (the default), every
// batch carries the producer id and per-partition sequences, so a retry is never
// appended twice. Off, a retry after a lost reply may duplicate records.
func WithIdempotence(on bool) ProducerOption {
	return func(o *producerOptions) { o.idempotent = on }
}

// WithProducerID sets the idempotent producer id (1 to 60 characters).
// Default: a random UUID per Producer. Two live producers must never share one.
func WithProducerID(id string) ProducerOption {
	return func(o *producerOptions) { o.producerID = id }
}

// WithRequestTimeout bounds one ProduceBatch or DescribeTopic call.
// Default DefaultRequestTimeout (10 s).
func WithRequestTimeout(d time.Duration) ProducerOption {
	return func(o *producerOptions) { o.requestTimeout = d }
}

// WithDeliveryTimeout bounds the retries of one batch: after it, the batch's
// sends fail with the last error. Default DefaultDeliveryTimeout (30 s).
func WithDeliveryTimeout(d time.Duration) ProducerOption {
	return func(o *producerOptions) { o.deliveryTimeout = d }
}

// WithRetryBackoff sets the delay between retries: from min, doubling, up to max.
// Default 50 ms to 1 s.
func WithRetryBackoff(min, max time.Duration) ProducerOption {
	return func(o *producerOptions) { o.retryBackoffMin, o.retryBackoffMax = min, max }
}
