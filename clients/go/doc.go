// Package ferry is the Go client of Ferry, a durable message broker with a
// gRPC API.
//
//	client, err := ferry.Dial(ctx, "127.0.0.1:7070")
//	producer := client.NewProducer("orders")
//	pos, err := producer.Send(ctx, ferry.Record{Key: []byte("k"), Value: []byte("v")})
//
//	consumer, err := client.Subscribe(ctx, "orders", "billing")
//	for msg, err := range consumer.Messages(ctx) {
//		if err != nil {
//			break
//		}
//		process(msg.Value)
//		msg.Ack()
//	}
//
// Errors from the broker are *Error values carrying the stable reason of the
// ferry-error-reason trailer; match them with errors.Is against the Err*
// sentinels. The generated stubs live in the gen/ferry/v1 package.
package ferry
