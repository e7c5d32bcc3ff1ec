package ferry

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
)

// ackCalls renders each Ack call as "member: item item ...", an item as
// partition@offset, with "xN" for a run of N acks and a "nack " or "extend " prefix.
func ackCalls(reqs []*ferryv1.AckRequest) []string {
	var calls []string
	for _, r := range reqs {
		var b strings.Builder
		b.WriteString(r.MemberId + ":")
		for _, it := range r.Items {
			b.WriteByte(' ')
			switch it.Action {
			case ferryv1.AckAction_ACK_ACTION_NACK:
				b.WriteString("nack ")
			case ferryv1.AckAction_ACK_ACTION_EXTEND:
				b.WriteString("extend ")
			}
			fmt.Fprintf(&b, "%d@%d", it.Partition, it.Offset)
			if it.Count != 0 {
				fmt.Fprintf(&b, "x%d", it.Count)
			}
		}
		calls = append(calls, b.String())
	}
	return calls
}

// recordsCovered counts the records an Ack call settles: an item covers
// max(1, Count) of them.
func recordsCovered(r *ferryv1.AckRequest) int64 {
	n := int64(0)
	for _, it := range r.Items {
		n += max(it.Count, 1)
	}
	return n
}

func ackItem(partition int32, offset int64) *ferryv1.AckItem {
	return &ferryv1.AckItem{Partition: partition, Offset: offset, Action: ferryv1.AckAction_ACK_ACTION_ACK}
}

func testAcker(t *testing.T, batchSize int) (*acker, *ackLog) {
	t.Helper()
	acks := &ackLog{}
	a := newAcker(startFake(t, &fakeBroker{ack: acks.ack}), "t", "g", batchSize, time.Hour)
	t.Cleanup(a.close)
	return a, acks
}

func flushAcker(t *testing.T, a *acker) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestAckerFoldsRunsPerPartition: consecutive acks of a partition become one
// item with a Count, with partitions interleaved; a gap or a new member id
// starts a new run.
func TestAckerFoldsRunsPerPartition(t *testing.T) {
	a, acks := testAcker(t, 100)
	for i := range int64(5) {
		a.add("m1", ackItem(0, 10+i))
		a.add("m1", ackItem(1, 20+i))
	}
	a.add("m1", ackItem(0, 30)) // a gap: a new run
	a.add("m1", ackItem(1, 25)) // partition 1's run goes on
	a.add("m1", ackItem(0, 31))
	a.add("m2", ackItem(1, 26)) // a new member id: a new run, in a call of its own
	flushAcker(t, a)
	want := []string{"m1: 0@10x5 1@20x6 0@30x2", "m2: 1@26"}
	if got := ackCalls(acks.requests()); !slices.Equal(got, want) {
		t.Errorf("Ack calls %q, want %q", got, want)
	}
}

// TestAckerBatchesRecords: nacks and extends stay items of their own and break
// no run but their own offset's; a batch goes out once it covers batchSize
// records (not items), and a run never crosses into the next batch.
func TestAckerBatchesRecords(t *testing.T) {
	a, acks := testAcker(t, 5)
	a.add("m1", ackItem(0, 1))
	a.add("m1", &ferryv1.AckItem{Partition: 0, Offset: 2, Action: ferryv1.AckAction_ACK_ACTION_NACK, Reason: "boom"})
	a.add("m1", &ferryv1.AckItem{Partition: 1, Offset: 7, Action: ferryv1.AckAction_ACK_ACTION_EXTEND})
	a.add("m1", ackItem(0, 3))
	a.add("m1", ackItem(0, 4)) // the fifth record sends the batch, in 4 items
	a.add("m1", ackItem(0, 5))
	a.add("m1", ackItem(0, 6))
	flushAcker(t, a)
	reqs := acks.requests()
	want := []string{"m1: 0@1 nack 0@2 extend 1@7 0@3x2", "m1: 0@5x2"}
	if got := ackCalls(reqs); !slices.Equal(got, want) {
		t.Fatalf("Ack calls %q, want %q", got, want)
	}
	if n := recordsCovered(reqs[0]); n != 5 {
		t.Errorf("first call covers %d records, want 5", n)
	}
}
