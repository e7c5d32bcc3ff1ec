package ferry

import (
	"testing"
	"time"

	"google.golang.org/grpc/keepalive"
)

func TestDialKeepaliveDefaults(t *testing.T) {
	o := newDialOptions(nil)
	want := keepalive.ClientParameters{Time: 10 * time.Second, Timeout: 5 * time.Second, PermitWithoutStream: true}
	if o.keepalive != want {
		t.Fatalf("default keepalive = %+v, want %+v (the TypeScript client's)", o.keepalive, want)
	}
	if DefaultKeepaliveTime != want.Time || DefaultKeepaliveTimeout != want.Timeout {
		t.Errorf("DefaultKeepaliveTime/Timeout = %v/%v, want %v/%v", DefaultKeepaliveTime, DefaultKeepaliveTimeout, want.Time, want.Timeout)
	}
}

func TestDialKeepaliveOption(t *testing.T) {
	custom := keepalive.ClientParameters{Time: 30 * time.Second, Timeout: time.Second}
	if got := newDialOptions([]Option{WithKeepalive(custom)}).keepalive; got != custom {
		t.Errorf("WithKeepalive: keepalive = %+v, want %+v", got, custom)
	}

	// grpc.DialOption is opaque: check that exactly one option (grpc.WithKeepaliveParams)
	// comes and goes with the keepalive setting. (The fake-broker tests dial with the
	// defaults, so keepalive on; a real frozen-broker test would take over 10 s, as
	// grpc-go raises any keepalive Time below 10 s to 10 s.)
	on := newDialOptions(nil)
	off := newDialOptions([]Option{WithKeepalive(keepalive.ClientParameters{})})
	if n, m := len(on.grpcOptions()), len(off.grpcOptions()); n != m+1 {
		t.Errorf("dial options with keepalive: %d, without: %d; want one more with it", n, m)
	}
}
