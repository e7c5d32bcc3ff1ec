package ferry

import (
	"context"
	"math/rand/v2"
	"time"
)

// expBackoff is an exponential backoff with full jitter between min and max.
type expBackoff struct {
	min, max time.Duration
	next     time.Duration
}

func newBackoff(min, max time.Duration) *expBackoff {
	return &expBackoff{min: min, max: max, next: min}
}

// delay returns the next delay and doubles the one after it, up to max.
func (b *expBackoff) delay() time.Duration {
	d := b.next
	b.next = min(b.next*2, b.max)
	// Jitter in [d/2, d): retrying clients do not move in lockstep.
	return d/2 + rand.N(d/2+1)
}

// reset starts over from min, after a success.
func (b *expBackoff) reset() { b.next = b.min }

// wait sleeps for the next delay or until ctx is done.
func (b *expBackoff) wait(ctx context.Context) error {
	t := time.NewTimer(b.delay())
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
