package ferry

import (
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
)

// Record is what a producer sends.
type Record struct {
	// Key decides the partition (Kafka's murmur2); records with one key stay in
	// order. Empty means no key: the producer spreads such records over partitions.
	Key []byte
	// Value is the payload. It may be empty.
	Value []byte
	// Headers are application headers. The broker adds its own, prefixed
	// "ferry-", only to dead letters.
	Headers map[string][]byte
	// Timestamp is the producer's own time; zero means unset.
	Timestamp time.Time
	// Partition, when set, overrides the key (see the Partition function).
	Partition *int32
}

// Partition returns a pointer to p, for Record.Partition.
func Partition(p int32) *int32 { return &p }

// Position is where a record landed.
type Position struct {
	Partition int32
	Offset    int64
	// AppendTime is the broker's append time.
	AppendTime time.Time
	// Duplicate is true when the broker had already appended the record (an
	// idempotent retry) and this is its original position.
	Duplicate bool
}

// StoredRecord is a record as stored, with the broker's position and time.
type StoredRecord struct {
	Partition  int32
	Offset     int64
	Key        []byte
	Value      []byte
	Headers    map[string][]byte
	Timestamp  time.Time // the producer's timestamp; zero if unset
	AppendTime time.Time // the broker's append time
}

func (r *Record) proto() *ferryv1.Record {
	return &ferryv1.Record{
		Key:         r.Key,
		Value:       r.Value,
		Headers:     r.Headers,
		TimestampMs: unixMs(r.Timestamp),
	}
}

func storedFromProto(c *ferryv1.ConsumedRecord) StoredRecord {
	rec := c.GetRecord()
	return StoredRecord{
		Partition:  c.GetPartition(),
		Offset:     c.GetOffset(),
		Key:        rec.GetKey(),
		Value:      rec.GetValue(),
		Headers:    rec.GetHeaders(),
		Timestamp:  fromUnixMs(rec.GetTimestampMs()),
		AppendTime: fromUnixMs(c.GetAppendTimeMs()),
	}
}

func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromUnixMs(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

func durationMs(d time.Duration) int64 { return d.Milliseconds() }
