package maildir

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"sync"
	"unicode/utf8"
)

// SendResult describes a delivered message.
type SendResult struct {
	ID        string // the message id (its file name)
	To        string // the mailbox it landed in, after forwarding
	Requested string // the address the sender used
	Forwarded bool   // To differs from Requested because of a rename
	Queued    bool   // To is not registered yet: it gets the message when it registers
	LargeFile string // the markdown file holding the full content, if it was large
}

// Send delivers content (and optional data, any JSON value) to to, following
// forwarding. An unknown name is queued ("future messaging") and kept at
// least FutureRetention. Content over the large threshold is stored as a
// markdown file and the message carries its summary and path.
// Errors: Invalid (recipient), BadRequest (content or data), TooLarge,
// RateLimited, Closed, Expired, NoSpace, Internal.
func (s *Session) Send(ctx context.Context, to, content string, data json.RawMessage) (SendResult, error) {
	return s.SendPayload(ctx, to, Payload{Content: content, Data: data})
}

// SendPayload is Send with the whole payload, extra keys included.
func (s *Session) SendPayload(ctx context.Context, to string, p Payload) (SendResult, error) {
	const op = "send"
	content, data := p.Content, p.Data
	if err := s.begin(op); err != nil {
		return SendResult{}, err
	}
	if err := checkID(op, "recipient id", to); err != nil {
		return SendResult{}, err
	}
	if to == SystemID {
		return SendResult{}, errorf(op, Invalid, to, "%q is the mailbox's own notice sender and cannot receive mail", to)
	}
	data, extra, err := s.st.checkPayload(op, s.ID(), content, data, p.Extra)
	if err != nil {
		return SendResult{}, err
	}
	if err := s.allow(op, 1); err != nil {
		return SendResult{}, err
	}
	final, err := s.st.resolve(to)
	if err != nil {
		return SendResult{}, ioError(op, to, err)
	}
	agents, err := s.st.agents.load()
	if err != nil {
		return SendResult{}, ioError(op, to, err)
	}
	_, registered := agents[final]
	m := Message{From: s.ID(), To: final, Time: s.st.now(), Content: content, Data: data, Extra: extra}
	if final != to {
		m.OrigTo = to
	}
	res := SendResult{To: final, Requested: to, Forwarded: final != to, Queued: !registered}
	if res.LargeFile, err = s.st.makeLarge(&m, to); err != nil {
		return SendResult{}, ioError(op, to, err)
	}
	if err := s.st.deliver(&m); err != nil {
		return SendResult{}, ioError(op, final, err)
	}
	res.ID = m.ID
	return res, nil
}

// BroadcastResult describes a broadcast.
type BroadcastResult struct {
	To        []string // the agents that received a copy
	LargeFile string
}

// Broadcast sends one copy to every registered agent except the sender.
// Errors: as Send; on a partial failure the result lists who got a copy.
func (s *Session) Broadcast(ctx context.Context, content string, data json.RawMessage) (BroadcastResult, error) {
	return s.BroadcastPayload(ctx, Payload{Content: content, Data: data})
}

// BroadcastPayload is Broadcast with the whole payload, extra keys included.
func (s *Session) BroadcastPayload(ctx context.Context, p Payload) (BroadcastResult, error) {
	const op = "broadcast"
	content, data := p.Content, p.Data
	if err := s.begin(op); err != nil {
		return BroadcastResult{}, err
	}
	me := s.ID()
	data, extra, err := s.st.checkPayload(op, me, content, data, p.Extra)
	if err != nil {
		return BroadcastResult{}, err
	}
	if err := s.allow(op, 1); err != nil {
		return BroadcastResult{}, err
	}
	agents, err := s.st.agents.load()
	if err != nil {
		return BroadcastResult{}, ioError(op, me, err)
	}
	var to []string
	for id := range agents {
		if id != me {
			to = append(to, id)
		}
	}
	sort.Strings(to)
	tmpl := Message{From: me, Time: s.st.now(), Kind: KindBroadcast, Content: content, Data: data, Extra: extra}
	var res BroadcastResult
	if res.LargeFile, err = s.st.makeLarge(&tmpl, "all"); err != nil {
		return res, ioError(op, me, err)
	}
	res.To, err = s.st.deliverAll(tmpl, to)
	return res, ioError(op, me, err)
}

// deliverAll delivers a copy of tmpl to each recipient, several at a time
// so that their directory fsyncs overlap, and returns who got one.
func (st *Store) deliverAll(tmpl Message, to []string) ([]string, error) {
	const workers = 8
	var (
		mu       sync.Mutex
		done     []string
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan string)
	)
	for w := 0; w < min(workers, len(to)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				m := tmpl
				m.To = id
				err := st.deliver(&m)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				} else if err == nil {
					done = append(done, id)
				}
				mu.Unlock()
			}
		}()
	}
	for _, id := range to {
		next <- id
	}
	close(next)
	wg.Wait()
	sort.Strings(done)
	return done, firstErr
}

// checkPayload validates content, data (any JSON value) and extra keys
// and returns data and extra compacted (nil when empty or null). Data and
// extra share the data size limit.
func (st *Store) checkPayload(op, id, content string, data, extra json.RawMessage) (json.RawMessage, json.RawMessage, error) {
	if !utf8.ValidString(content) {
		return nil, nil, errorf(op, BadRequest, id, "content is not valid UTF-8 text")
	}
	if len(content) > st.opts.MaxContent {
		return nil, nil, errorf(op, TooLarge, id, "content is %d bytes, over the %d-byte limit: share it as a file instead", len(content), st.opts.MaxContent)
	}
	data, extra = bytes.TrimSpace(data), bytes.TrimSpace(extra)
	if len(data)+len(extra) > st.opts.MaxData {
		return nil, nil, errorf(op, TooLarge, id, "data is %d bytes, over the %d-byte limit", len(data)+len(extra), st.opts.MaxData)
	}
	if len(data) == 0 || string(data) == "null" {
		data = nil
	} else {
		var buf bytes.Buffer
		if err := json.Compact(&buf, data); err != nil {
			return nil, nil, errorf(op, BadRequest, id, "data must be JSON: %v", err)
		}
		data = buf.Bytes()
	}
	extra, err := compactExtra(extra)
	if err != nil {
		return nil, nil, errorf(op, BadRequest, id, "%v", err)
	}
	return data, extra, nil
}

// makeLarge turns m into a large message when its content is over the
// threshold: the content goes to a markdown file, m carries the summary and
// the path. It returns the file's path, or "".
func (st *Store) makeLarge(m *Message, requested string) (string, error) {
	if len(m.Content) <= st.opts.LargeThreshold {
		return "", nil
	}
	path, err := st.storeLarge(m.From, requested, m.Content, m.Time)
	if err != nil {
		return "", err
	}
	data, err := largeData(m.Data, path, len(m.Content))
	if err != nil {
		return "", err
	}
	m.Content = summarize(m.Content) + " Full content saved to: " + path
	m.Data = data
	return path, nil
}
