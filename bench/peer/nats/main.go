// ferry-nats-bench runs the bench scenarios that map to NATS JetStream against a
// nats-server the Ferry harness started, and prints one JSON result on stdout.
//
// It is the peer side of `npm run bench`: the same scenario names, value sizes,
// batch sizes and durations as the Ferry side. Progress goes to stderr.
//
//	ferry-nats-bench -url nats://127.0.0.1:4222 -scenario publish-sync -concurrency 1 -size 100 -warmup 2s -duration 10s
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// maxAckPending bounds unacked messages per consumer (-max-ack-pending).
var maxAckPending = 100_000

const (
	streamName = "BENCH"
	subject    = "bench.data"
)

// Result is what the harness reads. Latencies are in microseconds.
type Result struct {
	Msgs       int64              `json:"msgs"`
	Seconds    float64            `json:"seconds"`
	MsgsPerSec float64            `json:"msgsPerSec"`
	MBPerSec   float64            `json:"mbPerSec"`
	LatencyUs  map[string]float64 `json:"latencyUs,omitempty"`
	Samples    int                `json:"latencySamples"`
	Note       string             `json:"note"`
}

type opts struct {
	url         string
	scenario    string
	size        int
	batch       int
	concurrency int
	groups      int
	count       int
	rate        int
	warmup      time.Duration
	duration    time.Duration
	ackNone     bool
}

// recorder collects latency samples (µs) only while `on` is set.
type recorder struct {
	mu      sync.Mutex
	on      atomic.Bool
	samples []int64
}

func (r *recorder) add(us int64) {
	if !r.on.Load() || us < 0 {
		return
	}
	r.mu.Lock()
	r.samples = append(r.samples, us)
	r.mu.Unlock()
}

func (r *recorder) summary() (map[string]float64, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.samples)
	if n == 0 {
		return nil, 0
	}
	s := r.samples
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(n))) - 1
		if i < 0 {
			i = 0
		}
		return float64(s[i])
	}
	var sum float64
	for _, v := range s {
		sum += float64(v)
	}
	return map[string]float64{"p50": at(50), "p95": at(95), "p99": at(99), "p999": at(99.9), "max": float64(s[n-1]), "mean": sum / float64(n)}, n
}

func main() {
	var o opts
	flag.StringVar(&o.url, "url", nats.DefaultURL, "nats server URL")
	flag.StringVar(&o.scenario, "scenario", "publish-sync", "publish-sync | publish-async | e2e | catchup | latency")
	flag.IntVar(&o.size, "size", 100, "value size in bytes")
	flag.IntVar(&o.batch, "batch", 1000, "publish window / fetch batch")
	flag.IntVar(&o.concurrency, "concurrency", 1, "concurrent publishers (or windows in flight)")
	flag.IntVar(&o.groups, "groups", 1, "durable consumers (groups) for e2e")
	flag.IntVar(&o.count, "count", 1_000_000, "records for catchup")
	flag.IntVar(&o.rate, "rate", 10_000, "offered msgs/s for latency")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured time")
	flag.BoolVar(&o.ackNone, "ack-none", false, "catchup: consumer with AckNone")
	flag.IntVar(&maxAckPending, "max-ack-pending", maxAckPending, "consumer MaxAckPending")
	flag.Parse()

	nc, err := nats.Connect(o.url, nats.MaxReconnects(0))
	fatal(err)
	defer nc.Close()
	js, err := nc.JetStream(nats.PublishAsyncMaxPending(1 << 16))
	fatal(err)
	jsn, err := jetstream.New(nc)
	fatal(err)
	_, err = js.AddStream(&nats.StreamConfig{Name: streamName, Subjects: []string{"bench.>"}, Storage: nats.FileStorage, Retention: nats.LimitsPolicy, Replicas: 1})
	fatal(err)

	var res Result
	switch o.scenario {
	case "publish-sync":
		res = publishSync(js, o)
	case "publish-async":
		res = publishAsync(js, o)
	case "e2e":
		res = e2e(js, jsn, o)
	case "catchup":
		res = catchup(js, jsn, o)
	case "latency":
		res = latency(js, jsn, o)
	default:
		fatal(fmt.Errorf("unknown scenario %q", o.scenario))
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

// mark tells the harness (on stderr) where the measured window starts and ends,
// so it samples the server's CPU over the same window.
func mark(what string) { fmt.Fprintf(os.Stderr, "MARK %s\n", what) }

func fatal(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferry-nats-bench:", err)
		os.Exit(1)
	}
}

func payload(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

func stamp(b []byte, t time.Time) { binary.LittleEndian.PutUint64(b, uint64(t.UnixNano())) }

func since(b []byte) int64 {
	if len(b) < 8 {
		return -1
	}
	return (time.Now().UnixNano() - int64(binary.LittleEndian.Uint64(b))) / 1000
}

// window runs fn in a measured window after a warm-up; fn's counter counts messages.
func window(o opts, rec *recorder, counter *atomic.Int64, stop *atomic.Bool) Result {
	time.Sleep(o.warmup)
	mark("start")
	start := counter.Load()
	rec.on.Store(true)
	t0 := time.Now()
	time.Sleep(o.duration)
	n := counter.Load() - start
	secs := time.Since(t0).Seconds()
	mark("end")
	rec.on.Store(false)
	stop.Store(true)
	return finish(n, secs, o.size, rec)
}

func finish(n int64, secs float64, size int, rec *recorder) Result {
	lat, samples := rec.summary()
	return Result{Msgs: n, Seconds: secs, MsgsPerSec: float64(n) / secs, MBPerSec: float64(n) * float64(size) / secs / 1e6, LatencyUs: lat, Samples: samples}
}

// publishSync: each of `concurrency` publishers sends one message and waits for its ack.
func publishSync(js nats.JetStreamContext, o opts) Result {
	var counter atomic.Int64
	var stop atomic.Bool
	rec := &recorder{}
	var wg sync.WaitGroup
	for c := 0; c < o.concurrency; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := payload(o.size)
			for !stop.Load() {
				t := time.Now()
				if _, err := js.Publish(subject, data); err != nil {
					fatal(err)
				}
				rec.add(time.Since(t).Microseconds())
				counter.Add(1)
			}
		}()
	}
	r := window(o, rec, &counter, &stop)
	wg.Wait()
	r.Note = fmt.Sprintf("js.Publish awaited, %d publishers on one connection; latency per publish", o.concurrency)
	return r
}

// publishWindow publishes n messages asynchronously and waits for every ack.
func publishWindow(js nats.JetStreamContext, data []byte, n int, stampNow bool) {
	futs := make([]nats.PubAckFuture, n)
	for i := 0; i < n; i++ {
		msg := data
		if stampNow {
			msg = append([]byte(nil), data...)
			stamp(msg, time.Now())
		}
		f, err := js.PublishAsync(subject, msg)
		fatal(err)
		futs[i] = f
	}
	for _, f := range futs {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			fatal(err)
		}
	}
}

// publishAsync: `concurrency` publishers each publish windows of `batch` messages
// asynchronously and wait for all acks of a window (the batch-publish equivalent).
func publishAsync(js nats.JetStreamContext, o opts) Result {
	var counter atomic.Int64
	var stop atomic.Bool
	rec := &recorder{}
	var wg sync.WaitGroup
	for c := 0; c < o.concurrency; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := payload(o.size)
			for !stop.Load() {
				t := time.Now()
				publishWindow(js, data, o.batch, false)
				rec.add(time.Since(t).Microseconds())
				counter.Add(int64(o.batch))
			}
		}()
	}
	r := window(o, rec, &counter, &stop)
	wg.Wait()
	r.Note = fmt.Sprintf("js.PublishAsync windows of %d awaited, %d in flight; latency per window", o.batch, o.concurrency)
	return r
}

// pullConsumer creates a durable pull consumer on the stream: explicit acks (or none),
// at most 100000 unacked messages (as Ferry's max_in_flight in the same scenarios).
func pullConsumer(jsn jetstream.JetStream, durable string, ackNone bool) jetstream.Consumer {
	policy := jetstream.AckExplicitPolicy
	if ackNone {
		policy = jetstream.AckNonePolicy
	}
	cons, err := jsn.CreateOrUpdateConsumer(context.Background(), streamName, jetstream.ConsumerConfig{
		Durable:       durable,
		AckPolicy:     policy,
		MaxAckPending: maxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubject: subject,
	})
	fatal(err)
	return cons
}

// consume runs nats.go's continuous pull (Consume: overlapping pull requests of up to
// `batch` messages, the client's recommended high-throughput path), acking each
// message unless ackNone. It returns a stop function.
func consume(cons jetstream.Consumer, batch int, ackNone bool, rec *recorder, counter *atomic.Int64) func() {
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if rec != nil {
			rec.add(since(m.Data()))
		}
		if !ackNone {
			_ = m.Ack()
		}
		counter.Add(1)
	}, jetstream.PullMaxMessages(batch))
	fatal(err)
	return cc.Stop
}

// e2e: one publisher (windows of `batch`, at most 100k ahead of the slowest
// consumer) and `groups` durable pull consumers that ack every message.
// Throughput counts messages consumed by every group; latency is publish to delivery.
func e2e(js nats.JetStreamContext, jsn jetstream.JetStream, o opts) Result {
	var stop atomic.Bool
	rec := &recorder{}
	counters := make([]*atomic.Int64, o.groups)
	var published atomic.Int64
	var stops []func()
	for g := 0; g < o.groups; g++ {
		counters[g] = &atomic.Int64{}
		stops = append(stops, consume(pullConsumer(jsn, fmt.Sprintf("g%d", g), false), o.batch, false, rec, counters[g]))
	}
	minConsumed := func() int64 {
		m := int64(math.MaxInt64)
		for _, c := range counters {
			if v := c.Load(); v < m {
				m = v
			}
		}
		return m
	}
	go func() {
		data := payload(o.size)
		for !stop.Load() {
			if published.Load()-minConsumed() > 100_000 {
				time.Sleep(time.Millisecond)
				continue
			}
			publishWindow(js, data, o.batch, true)
			published.Add(int64(o.batch))
		}
	}()
	time.Sleep(o.warmup)
	mark("start")
	start := minConsumed()
	rec.on.Store(true)
	t0 := time.Now()
	time.Sleep(o.duration)
	n := minConsumed() - start
	secs := time.Since(t0).Seconds()
	mark("end")
	rec.on.Store(false)
	stop.Store(true)
	for _, s := range stops {
		s()
	}
	r := finish(n, secs, o.size, rec)
	r.Note = fmt.Sprintf("PublishAsync windows of %d (at most 100k ahead); %d durable pull consumers (Consume, PullMaxMessages %d, MaxAckPending 100000, explicit ack per message); msgs/s = records consumed by every group; latency publish->delivery", o.batch, o.groups, o.batch)
	return r
}

// catchup: preload `count` messages, then time one durable pull consumer reading all of them.
func catchup(js nats.JetStreamContext, jsn jetstream.JetStream, o opts) Result {
	data := payload(o.size)
	const preload = 5000
	for left := o.count; left > 0; left -= preload {
		n := preload
		if left < n {
			n = left
		}
		publishWindow(js, data, n, false)
	}
	fmt.Fprintf(os.Stderr, "ferry-nats-bench: preloaded %d\n", o.count)
	time.Sleep(500 * time.Millisecond)
	mark("start")
	var counter atomic.Int64
	t0 := time.Now()
	stop := consume(pullConsumer(jsn, "catchup", o.ackNone), o.batch, o.ackNone, nil, &counter)
	for counter.Load() < int64(o.count) {
		time.Sleep(time.Millisecond)
	}
	stop()
	secs := time.Since(t0).Seconds()
	mark("end")
	r := finish(counter.Load(), secs, o.size, &recorder{})
	ack := "explicit ack per message"
	if o.ackNone {
		ack = "AckNone"
	}
	r.Note = fmt.Sprintf("%d preloaded, one durable pull consumer (Consume, PullMaxMessages %d, MaxAckPending 100000), %s; time to the last delivery", o.count, o.batch, ack)
	return r
}

// latency: publish at a fixed rate (each message stamped with its intended send
// time, so a stall counts against latency) and measure publish-to-delivery.
func latency(js nats.JetStreamContext, jsn jetstream.JetStream, o opts) Result {
	var stop atomic.Bool
	rec := &recorder{}
	var counter atomic.Int64
	stopConsume := consume(pullConsumer(jsn, "lat", false), 1000, false, rec, &counter)
	go func() {
		data := payload(o.size)
		interval := time.Second / time.Duration(o.rate)
		t0 := time.Now()
		var sent int64
		for !stop.Load() {
			due := t0.Add(time.Duration(sent) * interval)
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
			// send everything that is due, each stamped with its own intended time
			for ; !t0.Add(time.Duration(sent) * interval).After(time.Now()); sent++ {
				msg := append([]byte(nil), data...)
				stamp(msg, t0.Add(time.Duration(sent)*interval))
				if _, err := js.PublishAsync(subject, msg); err != nil {
					fatal(err)
				}
			}
		}
	}()
	r := window(o, rec, &counter, &stop)
	stopConsume()
	r.Note = fmt.Sprintf("offered %d msg/s with PublishAsync, one durable pull consumer (Consume, PullMaxMessages 1000, explicit acks); latency from intended send time to delivery", o.rate)
	return r
}
