// Quickstart: produce a record, then consume it in a group and ack it.
//
//	node bin/ferry.js serve --data-dir /tmp/ferry   # in the repository root
//	go run ./examples/quickstart -addr 127.0.0.1:7070
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	ferry "github.com/ferry-broker/ferry/clients/go"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:7070", "the broker's gRPC address")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	client, err := ferry.Dial(ctx, *addr)
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()

	// Produce: Send returns once the record is durable. Records are batched
	// per partition; call Send from many goroutines for throughput.
	producer := client.NewProducer("orders")
	pos, err := producer.Send(ctx, ferry.Record{
		Key:     []byte("customer-42"),
		Value:   []byte(`{"order":1001,"total":99.5}`),
		Headers: map[string][]byte{"source": []byte("quickstart")},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("stored at partition %d, offset %d\n", pos.Partition, pos.Offset)
	if err := producer.Close(); err != nil {
		log.Fatal(err)
	}

	// Consume in group "billing": ack what was handled, nack what failed.
	consumer, err := client.Subscribe(ctx, "orders", "billing")
	if err != nil {
		log.Fatal(err)
	}
	defer consumer.Close() // sends pending acks, leaves the group
	for msg, err := range consumer.Messages(ctx) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s = %s (partition %d, offset %d, attempt %d)\n",
			msg.Key, msg.Value, msg.Partition, msg.Offset, msg.Attempt)
		if msg.Partition == pos.Partition && msg.Offset == pos.Offset {
			msg.Ack()
			break
		}
		msg.Ack()
	}
}
