package ferry

import (
	"context"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
)

// FetchOptions bound one Fetch. Zero values mean the broker's defaults
// (500 records, 1 MiB; at least one record is always returned).
type FetchOptions struct {
	MaxRecords int32
	MaxBytes   int64
}

// FetchResult is what Fetch read.
type FetchResult struct {
	// Records, in offset order.
	Records []StoredRecord
	// NextOffset is the offset to fetch next.
	NextOffset int64
	// LogStartOffset is the partition's first stored offset.
	LogStartOffset int64
	// LogEndOffset is the offset the next appended record will get.
	LogEndOffset int64
}

// Fetch reads a partition from offset, without a group. Reading at the end
// returns no records; below the log start or past the end, ErrOffsetOutOfRange;
// an unknown topic, ErrTopicNotFound.
func (c *Client) Fetch(ctx context.Context, topic string, partition int32, offset int64, opts FetchOptions) (FetchResult, error) {
	resp, err := c.broker.Fetch(ctx, &ferryv1.FetchRequest{
		Topic:      topic,
		Partition:  partition,
		Offset:     offset,
		MaxRecords: opts.MaxRecords,
		MaxBytes:   opts.MaxBytes,
	})
	if err != nil {
		return FetchResult{}, err
	}
	res := FetchResult{
		Records:        make([]StoredRecord, len(resp.GetRecords())),
		NextOffset:     resp.GetNextOffset(),
		LogStartOffset: resp.GetLogStartOffset(),
		LogEndOffset:   resp.GetLogEndOffset(),
	}
	for i, r := range resp.GetRecords() {
		res.Records[i] = storedFromProto(r)
	}
	return res, nil
}
