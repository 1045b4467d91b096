package maildir

import "time"

type fsInfo struct {
	Type   string
	Remote bool
	Free   uint64
}

func detectFS(string) (fsInfo, error) { return fsInfo{Type: "stub"}, nil }

type notifier struct{}

func newNotifier(bool, time.Duration, func(string, ...any)) *notifier { return &notifier{} }
func (n *notifier) subscribe(string) (<-chan struct{}, func(), error) {
	ch := make(chan struct{}, 1)
	ch <- struct{}{}
	return ch, func() {}, nil
}
func (n *notifier) close() error  { return nil }
func (n *notifier) polling() bool { return false }
