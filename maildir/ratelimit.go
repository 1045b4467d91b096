package maildir

import (
	"math"
	"time"
)

// bucket is a token bucket: burst tokens at most, refilled at rate per
// second. It is persisted in the agent record when a session closes, so that
// a string of short-lived processes acting as one identity shares it.
type bucket struct {
	tokens float64
	at     time.Time
}

// take removes n tokens if there are enough at now, and otherwise reports
// how long until there will be.
func (b *bucket) take(now time.Time, n float64, burst int, rate float64) (ok bool, wait time.Duration) {
	if burst < 0 {
		return true, 0
	}
	if b.at.IsZero() {
		b.tokens, b.at = float64(burst), now
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = math.Min(float64(burst), b.tokens+el*rate)
		b.at = now
	}
	if b.tokens >= n {
		b.tokens -= n
		return true, 0
	}
	return false, time.Duration((n - b.tokens) / rate * float64(time.Second))
}

// allowRegister applies the registration limit of one name (100 per minute
// in this process).
func (st *Store) allowRegister(id string, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	times := st.regTimes[id]
	keep := times[:0]
	for _, t := range times {
		if now.Sub(t) < registerWindow {
			keep = append(keep, t)
		}
	}
	if len(keep) >= registerLimit {
		st.regTimes[id] = keep
		return false
	}
	st.regTimes[id] = append(keep, now)
	return true
}
