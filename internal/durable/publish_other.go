//go:build !linux && !darwin && !windows

package durable

// Publish links tmp to dst (never overwriting dst) and removes tmp.
func Publish(tmp, dst string) error { return linkPublish(tmp, dst) }

// publishAt is Publish relative to the directory descriptor dir.
func publishAt(dir int, tmp, dst string) error { return linkPublishAt(dir, tmp, dst) }
