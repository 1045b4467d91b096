//go:build !linux

package maildir

// syncAll makes several items durable one by one, the first error kept: no
// filesystem-wide sync with a clear contract exists here.
func syncAll(items []commitItem) error {
	var first error
	for _, it := range items {
		if err := it.sync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
