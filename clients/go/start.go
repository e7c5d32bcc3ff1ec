package ferry

import (
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
)

// StartPosition is where a new group starts reading, or where ResetGroupOffsets
// moves a group. The zero value means the broker's default, the earliest record.
type StartPosition struct {
	from   ferryv1.StartFrom
	offset int64
	time   time.Time
}

// StartEarliest starts at the oldest record still stored.
func StartEarliest() StartPosition { return StartPosition{from: ferryv1.StartFrom_START_FROM_EARLIEST} }

// StartLatest starts with the records appended from now on.
func StartLatest() StartPosition { return StartPosition{from: ferryv1.StartFrom_START_FROM_LATEST} }

// StartAtOffset starts at offset in every partition (clamped to each partition's range).
func StartAtOffset(offset int64) StartPosition {
	return StartPosition{from: ferryv1.StartFrom_START_FROM_OFFSET, offset: offset}
}

// StartAtTime starts at the first record appended at or after t.
func StartAtTime(t time.Time) StartPosition {
	return StartPosition{from: ferryv1.StartFrom_START_FROM_TIMESTAMP, time: t}
}

func (s StartPosition) proto() *ferryv1.StartPosition {
	return &ferryv1.StartPosition{From: s.from, Offset: s.offset, TimestampMs: unixMs(s.time)}
}
