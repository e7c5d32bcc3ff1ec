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
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/metadata"
)

// maxMessageBytes matches the broker's default max_request_bytes.
const maxMessageBytes = 64 << 20

// Keepalive defaults, the same as the TypeScript client's: ping a connection
// that has been quiet for DefaultKeepaliveTime, and drop it (calls fail with
// UNAVAILABLE, the Consumer resubscribes, the Producer retries) when no answer
// comes within DefaultKeepaliveTimeout. Without keepalive a consumer waits
// forever on a broker that froze (SIGSTOP, a hung VM) or vanished without
// closing the connection. The broker pings every 10 s too and enforces no
// minimum interval between client pings.
const (
	DefaultKeepaliveTime    = 10 * time.Second
	DefaultKeepaliveTimeout = 5 * time.Second
)

// defaultKeepalive is the keepalive Dial uses unless WithKeepalive says otherwise.
func defaultKeepalive() keepalive.ClientParameters {
	return keepalive.ClientParameters{
		Time:                DefaultKeepaliveTime,
		Timeout:             DefaultKeepaliveTimeout,
		PermitWithoutStream: true,
	}
}

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
	creds     credentials.TransportCredentials
	keepalive keepalive.ClientParameters // Time <= 0: no keepalive
	extra     []grpc.DialOption
}

func newDialOptions(opts []Option) dialOptions {
	o := dialOptions{creds: insecure.NewCredentials(), keepalive: defaultKeepalive()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithTransportCredentials sets the channel's credentials (TLS, say).
// Default: plaintext.
func WithTransportCredentials(c credentials.TransportCredentials) Option {
	return func(o *dialOptions) { o.creds = c }
}

// WithKeepalive sets the HTTP/2 keepalive. Default: Time DefaultKeepaliveTime
// (10 s), Timeout DefaultKeepaliveTimeout (5 s), PermitWithoutStream true.
// grpc-go raises a Time below 10 s to 10 s; a Time of 0 or less turns
// keepalive off.
func WithKeepalive(p keepalive.ClientParameters) Option {
	return func(o *dialOptions) { o.keepalive = p }
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
	o := newDialOptions(opts)
	conn, err := grpc.NewClient(addr, o.grpcOptions()...)
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

// grpcOptions are the grpc-go dial options for o: the client's own, then o.extra.
func (o *dialOptions) grpcOptions() []grpc.DialOption {
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
	if o.keepalive.Time > 0 {
		// Notice a frozen or vanished broker (see DefaultKeepaliveTime).
		dopts = append(dopts, grpc.WithKeepaliveParams(o.keepalive))
	}
	return append(dopts, o.extra...)
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
