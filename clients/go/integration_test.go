package ferry

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// Tests beyond the shared scenarios, against the shared real broker.

// TestProducerConcurrentSends: many concurrent sends of unkeyed records land
// once each, gap-free per partition, in few batches.
func TestProducerConcurrentSends(t *testing.T) {
	c := dialBroker(t, needBroker(t))
	ctx := testContext(t, 30*time.Second)
	topic := unique("concurrent")
	if _, err := c.Admin().CreateTopic(ctx, topic, TopicConfig{Partitions: 3}); err != nil {
		t.Fatal(err)
	}
	p := c.NewProducer(topic, WithLinger(20*time.Millisecond))
	defer p.Close()
	const n = 600
	var wg sync.WaitGroup
	var mu sync.Mutex
	offsets := map[int32]map[int64]bool{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pos, err := p.Send(ctx, Record{Value: []byte(fmt.Sprintf("v%d", i))})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if offsets[pos.Partition] == nil {
				offsets[pos.Partition] = map[int64]bool{}
			}
			if offsets[pos.Partition][pos.Offset] {
				t.Errorf("two sends got %d@%d", pos.Partition, pos.Offset)
			}
			offsets[pos.Partition][pos.Offset] = true
		}()
	}
	wg.Wait()
	d, err := c.Admin().DescribeTopic(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	total := int64(0)
	for _, pi := range d.PartitionInfo {
		total += pi.EndOffset
		if got := int64(len(offsets[pi.Partition])); got != pi.EndOffset {
			t.Errorf("partition %d: %d sends answered, end offset %d", pi.Partition, got, pi.EndOffset)
		}
	}
	if total != n {
		t.Errorf("topic holds %d records, want %d", total, n)
	}
}

// TestAdminTopicsAndGroups exercises every Admin call.
func TestAdminTopicsAndGroups(t *testing.T) {
	c := dialBroker(t, needBroker(t))
	ctx := testContext(t, 30*time.Second)
	a := c.Admin()
	topic, group := unique("admin"), unique("g")

	info, err := a.CreateTopic(ctx, topic, TopicConfig{Partitions: 2, Retention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != topic || info.Partitions != 2 || info.Retention != time.Hour || info.CreatedAt.IsZero() {
		t.Errorf("CreateTopic: %+v", info)
	}
	if _, err := a.CreateTopic(ctx, topic, TopicConfig{}); !errors.Is(err, ErrTopicAlreadyExists) {
		t.Errorf("second CreateTopic: %v, want ErrTopicAlreadyExists", err)
	}
	topics, err := a.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ti := range topics {
		found = found || ti.Name == topic
	}
	if !found {
		t.Errorf("ListTopics does not list %s", topic)
	}

	p := c.NewProducer(topic)
	for i := range 4 {
		if _, err := p.Send(ctx, Record{Value: []byte(fmt.Sprintf("v%d", i)), Partition: Partition(int32(i % 2))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := a.DescribeTopic(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.PartitionInfo) != 2 || d.PartitionInfo[0].EndOffset != 2 || d.PartitionInfo[1].EndOffset != 2 {
		t.Errorf("DescribeTopic partitions %+v, want 2 records in each of 2", d.PartitionInfo)
	}

	cons := subscribe(t, c, topic, group, WithClientID("admin-test"))
	waitFor(t, 5*time.Second, "the group listed with one member", func() (bool, error) {
		groups, err := a.ListGroups(ctx, topic)
		if err != nil {
			return false, err
		}
		return len(groups) == 1 && groups[0].Group == group && groups[0].Members == 1, fmt.Errorf("groups %+v", groups)
	})
	gd, err := a.DescribeGroup(ctx, group, topic)
	if err != nil {
		t.Fatal(err)
	}
	if len(gd.Members) != 1 || gd.Members[0].ClientID != "admin-test" || len(gd.Members[0].Partitions) != 2 {
		t.Errorf("DescribeGroup members %+v", gd.Members)
	}
	if _, err := a.ResetGroupOffsets(ctx, group, topic, StartLatest()); !errors.Is(err, ErrGroupHasMembers) {
		t.Errorf("ResetGroupOffsets with a member: %v, want ErrGroupHasMembers", err)
	}
	if err := cons.Close(); err != nil {
		t.Fatal(err)
	}
	var offsets map[int32]int64
	waitFor(t, 5*time.Second, "ResetGroupOffsets once the member left", func() (bool, error) {
		offsets, err = a.ResetGroupOffsets(ctx, group, topic, StartLatest())
		return err == nil, err
	})
	if offsets[0] != 2 || offsets[1] != 2 {
		t.Errorf("offsets after reset to latest: %v, want 2 and 2", offsets)
	}
	if err := a.DeleteGroup(ctx, group, topic); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DescribeGroup(ctx, group, topic); !errors.Is(err, ErrGroupNotFound) {
		t.Errorf("DescribeGroup after DeleteGroup: %v, want ErrGroupNotFound", err)
	}
	if err := a.DeleteTopic(ctx, topic); err != nil {
		t.Fatal(err)
	}
	if _, err := a.DescribeTopic(ctx, topic); !errors.Is(err, ErrTopicNotFound) {
		t.Errorf("DescribeTopic after DeleteTopic: %v, want ErrTopicNotFound", err)
	}
}
