package ferry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The scenarios of test/client-scenarios.json, shared by the TS, Go and Python
// clients, against a real broker.

func unique(base string) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return base + "-" + hex.EncodeToString(b[:])
}

func dialBroker(t *testing.T, b *broker) *Client {
	t.Helper()
	c, err := Dial(context.Background(), b.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitFor polls cond every 20 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		ok, err := cond()
		if ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %v (last error: %v)", what, timeout, lastErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func subscribe(t *testing.T, c *Client, topic, group string, opts ...ConsumerOption) *Consumer {
	t.Helper()
	cons, err := c.Subscribe(testContext(t, 10*time.Second), topic, group, opts...)
	if err != nil {
		t.Fatalf("Subscribe(%s, %s): %v", topic, group, err)
	}
	t.Cleanup(func() { _ = cons.Close() })
	return cons
}

func TestScenarioProduceKeyedReadBack(t *testing.T) {
	c := dialBroker(t, needBroker(t))
	ctx := testContext(t, 30*time.Second)
	topic := unique("produce-keyed")
	if _, err := c.Admin().CreateTopic(ctx, topic, TopicConfig{Partitions: 4}); err != nil {
		t.Fatal(err)
	}
	p := c.NewProducer(topic)
	defer p.Close()

	type sent struct {
		key, value string
		pos        Position
	}
	var all []sent
	for i := range 40 {
		key, value := fmt.Sprintf("k%d", i%5), fmt.Sprintf("v%d", i)
		pos, err := p.Send(ctx, Record{Key: []byte(key), Value: []byte(value)})
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		all = append(all, sent{key, value, pos})
	}

	fetched := map[[2]int64]StoredRecord{} // (partition, offset) → record
	for part := range int32(4) {
		for off := int64(0); ; {
			res, err := c.Fetch(ctx, topic, part, off, FetchOptions{})
			if err != nil {
				t.Fatalf("fetch %d@%d: %v", part, off, err)
			}
			for _, r := range res.Records {
				fetched[[2]int64{int64(r.Partition), r.Offset}] = r
			}
			if res.NextOffset >= res.LogEndOffset || len(res.Records) == 0 {
				break
			}
			off = res.NextOffset
		}
	}
	if len(fetched) != 40 {
		t.Fatalf("fetched %d records, want 40", len(fetched))
	}
	keyPartition := map[string]int32{}
	lastOffset := map[string]int64{}
	for _, s := range all {
		r, ok := fetched[[2]int64{int64(s.pos.Partition), s.pos.Offset}]
		if !ok {
			t.Fatalf("%s=%s: no record at the position Send returned (%d@%d)", s.key, s.value, s.pos.Partition, s.pos.Offset)
		}
		if string(r.Key) != s.key || string(r.Value) != s.value {
			t.Errorf("at %d@%d: got %s=%s, sent %s=%s", s.pos.Partition, s.pos.Offset, r.Key, r.Value, s.key, s.value)
		}
		if p, seen := keyPartition[s.key]; seen && p != s.pos.Partition {
			t.Errorf("key %s on partitions %d and %d", s.key, p, s.pos.Partition)
		}
		keyPartition[s.key] = s.pos.Partition
		if last, seen := lastOffset[s.key]; seen && s.pos.Offset <= last {
			t.Errorf("key %s: %s at offset %d, not after %d", s.key, s.value, s.pos.Offset, last)
		}
		lastOffset[s.key] = s.pos.Offset
		if want := KeyPartition([]byte(s.key), 4); s.pos.Partition != want {
			t.Errorf("key %s on partition %d, murmur2 says %d", s.key, s.pos.Partition, want)
		}
	}
}

func TestScenarioGroupConsumeAcks(t *testing.T) {
	c := dialBroker(t, needBroker(t))
	ctx := testContext(t, 30*time.Second)
	topic, group := unique("group-acks"), unique("g")
	if _, err := c.Admin().CreateTopic(ctx, topic, TopicConfig{Partitions: 2}); err != nil {
		t.Fatal(err)
	}
	p := c.NewProducer(topic)
	defer p.Close()
	for i := range 10 {
		if _, err := p.Send(ctx, Record{Value: []byte(fmt.Sprintf("v%d", i))}); err != nil {
			t.Fatal(err)
		}
	}

	cons := subscribe(t, c, topic, group)
	seen := map[[2]int64]bool{}
	for len(seen) < 10 {
		m, err := cons.Next(ctx)
		if err != nil {
			t.Fatalf("after %d messages: %v", len(seen), err)
		}
		key := [2]int64{int64(m.Partition), m.Offset}
		if seen[key] {
			t.Errorf("%d@%d delivered twice", m.Partition, m.Offset)
		}
		seen[key] = true
		if m.Attempt != 1 {
			t.Errorf("%d@%d: attempt %d, want 1", m.Partition, m.Offset, m.Attempt)
		}
		m.Ack()
	}
	if err := cons.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	waitFor(t, 5*time.Second, "lag 0 on every partition", func() (bool, error) {
		d, err := c.Admin().DescribeGroup(ctx, group, topic)
		if err != nil {
			return false, err
		}
		if len(d.Partitions) != 2 {
			return false, fmt.Errorf("%d partitions described", len(d.Partitions))
		}
		for _, gp := range d.Partitions {
			if gp.Lag != 0 || gp.CommittedOffset != gp.LogEndOffset {
				return false, fmt.Errorf("partition %d: committed %d, end %d, lag %d", gp.Partition, gp.CommittedOffset, gp.LogEndOffset, gp.Lag)
			}
		}
		return true, nil
	})
}

func TestScenarioNackRedelivery(t *testing.T) {
	c := dialBroker(t, needBroker(t))
	ctx := testContext(t, 30*time.Second)
	topic := unique("nack")
	if _, err := c.Admin().CreateTopic(ctx, topic, TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	p := c.NewProducer(topic)
	defer p.Close()
	if _, err := p.Send(ctx, Record{Value: []byte("once")}); err != nil {
		t.Fatal(err)
	}

	cons := subscribe(t, c, topic, unique("g"))
	first, err := cons.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Attempt != 1 {
		t.Fatalf("first delivery: attempt %d, want 1", first.Attempt)
	}
	nackedAt := time.Now()
	first.Nack(NackOptions{Delay: 200 * time.Millisecond})
	second, err := cons.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(nackedAt)
	second.Ack()
	if second.Offset != first.Offset || second.Partition != first.Partition {
		t.Fatalf("second delivery is %d@%d, want %d@%d", second.Partition, second.Offset, first.Partition, first.Offset)
	}
	if second.Attempt != 2 {
		t.Errorf("second delivery: attempt %d, want 2", second.Attempt)
	}
	if elapsed < 200*time.Millisecond {
		t.Errorf("redelivered %v after the nack, want at least 200ms", elapsed)
	}
	if err := cons.FlushAcks(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestScenarioDeadLetter(t *testing.T) {
	c := dialBroker(t, needBroker(t))
	ctx := testContext(t, 30*time.Second)
	topic, group := unique("dead-letter"), unique("dl")
	if _, err := c.Admin().CreateTopic(ctx, topic, TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	p := c.NewProducer(topic)
	defer p.Close()
	if _, err := p.Send(ctx, Record{
		Key:     []byte("poison"),
		Value:   []byte("bad order"),
		Headers: map[string][]byte{"trace": []byte("abc")},
	}); err != nil {
		t.Fatal(err)
	}

	cons := subscribe(t, c, topic, group, WithGroupOptions(GroupOptions{
		MaxAttempts: 2,
		BackoffMin:  50 * time.Millisecond,
		BackoffMax:  100 * time.Millisecond,
	}))
	for attempt := int32(1); attempt <= 2; attempt++ {
		m, err := cons.Next(ctx)
		if err != nil {
			t.Fatalf("delivery %d: %v", attempt, err)
		}
		if m.Attempt != attempt || m.Offset != 0 {
			t.Fatalf("delivery %d: %d@%d attempt %d", attempt, m.Partition, m.Offset, m.Attempt)
		}
		m.Nack(NackOptions{Reason: "boom"})
	}

	dlq := topic + "." + group + ".dlq"
	var dead []StoredRecord
	waitFor(t, 10*time.Second, "a record in "+dlq, func() (bool, error) {
		res, err := c.Fetch(ctx, dlq, 0, 0, FetchOptions{})
		if err != nil {
			return false, err
		}
		dead = res.Records
		return len(dead) > 0, nil
	})
	if len(dead) != 1 {
		t.Fatalf("%s holds %d records, want 1", dlq, len(dead))
	}
	d := dead[0]
	if string(d.Key) != "poison" || string(d.Value) != "bad order" {
		t.Errorf("dead letter %s=%s, want poison=bad order", d.Key, d.Value)
	}
	want := map[string]string{
		"trace":                  "abc",
		"ferry-origin-topic":     topic,
		"ferry-origin-partition": "0",
		"ferry-origin-offset":    "0",
		"ferry-attempts":         "2",
		"ferry-last-error":       "boom",
	}
	for k, v := range want {
		if got, ok := d.Headers[k]; !ok || string(got) != v {
			t.Errorf("dead letter header %s = %q (present %v), want %q", k, got, ok, v)
		}
	}

	// No third delivery: wait past the group's backoff for one that must not come.
	wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if m, err := cons.Next(wctx); err == nil {
		t.Errorf("delivery after dead-lettering: %d@%d attempt %d", m.Partition, m.Offset, m.Attempt)
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting for no delivery: %v", err)
	}
}

func TestScenarioUnknownTopicNotFound(t *testing.T) {
	c := dialBroker(t, needBroker(t))
	ctx := testContext(t, 10*time.Second)
	_, err := c.Fetch(ctx, unique("no-such-topic"), 0, 0, FetchOptions{})
	if !errors.Is(err, ErrTopicNotFound) {
		t.Fatalf("Fetch of an unknown topic: %v, want ErrTopicNotFound", err)
	}
	var fe *Error
	if !errors.As(err, &fe) || fe.Reason != ReasonTopicNotFound || fe.Code != codes.NotFound {
		t.Errorf("error %#v, want reason TOPIC_NOT_FOUND and code NotFound", err)
	}
	if status.Code(err) != codes.NotFound {
		t.Errorf("status.Code = %v, want NotFound", status.Code(err))
	}
}

func TestScenarioReconnectAfterRestart(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	b, err := startBroker(dataDir, 0)
	if err != nil {
		brokerMissing(t, err)
	}
	t.Cleanup(func() { _ = b.stop(syscall.SIGKILL) })
	c := dialBroker(t, b)
	ctx := testContext(t, 60*time.Second)
	topic, group := unique("reconnect"), unique("g")
	if _, err := c.Admin().CreateTopic(ctx, topic, TopicConfig{Partitions: 1}); err != nil {
		t.Fatal(err)
	}
	assignments := make(chan Assignment, 16)
	cons := subscribe(t, c, topic, group, OnAssignment(func(a Assignment) {
		select {
		case assignments <- a:
		default:
		}
	}))
	p := c.NewProducer(topic)
	defer p.Close()

	if _, err := p.Send(ctx, Record{Value: []byte("before")}); err != nil {
		t.Fatal(err)
	}
	m, err := cons.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Value) != "before" {
		t.Fatalf("got %q, want before", m.Value)
	}
	m.Ack()
	if err := cons.FlushAcks(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "the ack of 'before' applied", func() (bool, error) {
		d, err := c.Admin().DescribeGroup(ctx, group, topic)
		if err != nil {
			return false, err
		}
		return len(d.Partitions) == 1 && d.Partitions[0].CommittedOffset == 1, nil
	})
	first := <-assignments

	if err := b.stop(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	b2, err := startBroker(dataDir, b.port)
	if err != nil {
		t.Fatalf("restart on port %d: %v", b.port, err)
	}
	t.Cleanup(func() { _ = b2.stop(syscall.SIGKILL) })

	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	afterPos, err := p.Send(sctx, Record{Value: []byte("after")})
	if err != nil {
		t.Fatalf("send after the restart: %v", err)
	}
	t.Logf("'after' sent to %+v", afterPos)
	rctx, cancel2 := context.WithTimeout(ctx, 15*time.Second)
	defer cancel2()
	m, err = cons.Next(rctx)
	if err != nil {
		d, derr := c.Admin().DescribeGroup(ctx, group, topic)
		t.Fatalf("no message within 15 s of the restart: %v; consumer assignment %+v (first %+v); group %+v (%v); broker log:\n%s",
			err, cons.Assignment(), first, d, derr, b2.logTail())
	}
	if string(m.Value) != "after" {
		t.Fatalf("got %q at %d@%d attempt %d, want after ('before' was acked)", m.Value, m.Partition, m.Offset, m.Attempt)
	}
	m.Ack()
	if err := cons.Close(); err != nil { // before the cleanup stops the broker
		t.Errorf("Close: %v", err)
	}
	select {
	case a := <-assignments:
		if a.MemberID == first.MemberID {
			t.Errorf("rejoined with the old member id %s", a.MemberID)
		}
	default:
		t.Error("no new assignment after the restart")
	}
}
