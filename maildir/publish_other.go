//go:build !linux && !darwin && !windows

package maildir

// publish links tmp to dst (never overwriting dst) and removes tmp.
func publish(tmp, dst string) error { return linkPublish(tmp, dst) }

// publishAt is publish relative to the directory descriptor dir.
func publishAt(dir int, tmp, dst string) error { return linkPublishAt(dir, tmp, dst) }
