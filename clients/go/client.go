package ferry

import (
	"context"
	"fmt"
	"time"

	ferryv1 "github.com/ferry-broker/ferry/clients/go/gen/ferry/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// maxMessageBytes matches the broker's default max_request_bytes.
const maxMessageBytes = 64 << 20

// Client is a connection to one Ferry broker. It is safe for concurrent use;
// make one per process and share it between Producers, Consumers and Admin.
type Client struct {
	conn   *grpc.ClientConn
	broker ferryv1.BrokerServiceClient
	admin  ferryv1.AdminServiceClient
}

// Option configures Dial.
type Option func(*dialOptions)

type dialOptions struct {
	creds credentials.TransportCredentials
	extra []grpc.DialOption
}

// WithTransportCredentials sets the channel's credentials (TLS, say).
// Default: plaintext.
func WithTransportCredentials(c credentials.TransportCredentials) Option {
	return func(o *dialOptions) { o.creds = c }
}

// WithDialOptions appends raw grpc-go dial options; they apply after the
// client's own, so they win.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *dialOptions) { o.extra = append(o.extra, opts...) }
}

// Dial makes a client for the broker at addr ("host:port"). The connection is
// made in the background and remade after failures, so Dial succeeds while the
// broker is down; calls then fail with UNAVAILABLE until it is back, and the
// Producer and Consumer retry by themselves. ctx is only checked on entry.
func Dial(ctx context.Context, addr string, opts ...Option) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o := dialOptions{creds: insecure.NewCredentials()}
	for _, opt := range opts {
		opt(&o)
	}
	dopts := []grpc.DialOption{
		grpc.WithTransportCredentials(o.creds),
		// Reconnect quickly after a broker restart (grpc-go's default caps at 120 s).
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  100 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   2 * time.Second,
			},
			MinConnectTimeout: 5 * time.Second,
		}),
		// The broker accepts and sends messages up to 64 MiB (grpc-go's default is 4 MiB).
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes), grpc.MaxCallSendMsgSize(maxMessageBytes)),
		grpc.WithChainUnaryInterceptor(unaryErrors),
		grpc.WithChainStreamInterceptor(streamErrors),
	}
	conn, err := grpc.NewClient(addr, append(dopts, o.extra...)...)
	if err != nil {
		return nil, fmt.Errorf("ferry: dial %s: %w", addr, err)
	}
	conn.Connect()
	return &Client{
		conn:   conn,
		broker: ferryv1.NewBrokerServiceClient(conn),
		admin:  ferryv1.NewAdminServiceClient(conn),
	}, nil
}

// Close closes the connection. Close Producers and Consumers first.
func (c *Client) Close() error { return c.conn.Close() }

// Conn is the underlying gRPC connection, for calling the generated stubs
// in clients/go/gen/ferry/v1 directly.
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// unaryErrors rebuilds typed errors of unary calls from their trailers.
func unaryErrors(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn,
	invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	var header, trailer metadata.MD
	opts = append(opts, grpc.Header(&header), grpc.Trailer(&trailer))
	return fromStatus(invoker(ctx, method, req, reply, cc, opts...), trailer, header)
}

// streamErrors rebuilds typed errors of streaming calls.
func streamErrors(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
	streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, fromStatus(err)
	}
	return &errorStream{ClientStream: s}, nil
}

type errorStream struct{ grpc.ClientStream }

func (s *errorStream) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if err == nil {
		return nil
	}
	var header metadata.MD
	if h, herr := s.ClientStream.Header(); herr == nil {
		header = h
	}
	return fromStatus(err, s.ClientStream.Trailer(), header)
}
