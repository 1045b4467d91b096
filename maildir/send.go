package maildir

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"
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
	Suggest   string // when Queued: the registered name one typo away from To, which the sender probably meant (typo.go)
	ToSelf    bool   // To is the sender: the message is in its own mailbox
	LargeFile string // the markdown file holding the full content, if it was large
	Replayed  bool   `json:"-"` // an earlier call with the same idempotency key did this: nothing was sent now
}

// Send delivers content (and optional data, any JSON value) to to, following
// forwarding. An unknown name is queued ("future messaging") and kept at
// least FutureRetention; when it is one typo away from a registered name,
// the result names that one (Suggest). Mail to oneself is delivered, and
// the result says so (ToSelf). Content over the large threshold is stored as a
// markdown file and the message carries its summary and path.
// Errors: Invalid (recipient), BadRequest (content or data), TooLarge,
// RateLimited, Closed, Expired, NoSpace, Internal.
func (s *Session) Send(ctx context.Context, to, content string, data json.RawMessage) (SendResult, error) {
	return s.SendPayload(ctx, to, Payload{Content: content, Data: data})
}

// SendPayload is Send with the whole payload: extra keys, and an
// idempotency key (p.Key): a call repeating the key within DedupeWindow
// returns the first call's result, Replayed, and sends nothing
// (dedupe.go). Errors: as Send, and BadRequest for a bad key or one used
// for a different message.
func (s *Session) SendPayload(ctx context.Context, to string, p Payload) (SendResult, error) {
	return s.sendPayload(OpSend, to, p)
}

// sendPayload is SendPayload for op (send, or reply).
func (s *Session) sendPayload(op Op, to string, p Payload) (SendResult, error) {
	content, data, key := p.Content, p.Data, p.Key
	if err := s.begin(op); err != nil {
		return SendResult{}, err
	}
	if err := checkRecipient(op, to); err != nil {
		return SendResult{}, err
	}
	if err := checkIdempotencyKey(op, s.ID(), key); err != nil {
		return SendResult{}, err
	}
	data, extra, err := s.st.checkPayload(op, s.ID(), content, data, p.Extra)
	if err != nil {
		return SendResult{}, err
	}
	p.Data, p.Extra = data, extra
	return once(s, op, key, fingerprint(string(op), to, content, string(data), string(extra), p.conversationKey()),
		func() (SendResult, error) { return s.send(op, to, p) },
		func(_ SendResult, err error) bool { return err == nil },
		func(r *SendResult) { r.Replayed = true })
}

// send delivers a checked payload.
func (s *Session) send(op Op, to string, p Payload) (SendResult, error) {
	m := Message{From: s.ID(), Content: p.Content, Data: p.Data, Extra: p.Extra}
	if _, err := s.converse(op, p, &m); err != nil {
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
	m.To, m.Time = final, s.st.now()
	if final != to {
		m.OrigTo = to
	}
	res := SendResult{To: final, Requested: to, Forwarded: final != to, Queued: !registered, ToSelf: final == s.ID()}
	if !registered {
		res.Suggest = suggestFor(final, agents)
	}
	if res.LargeFile, err = s.st.makeLarge(&m, to); err != nil {
		return SendResult{}, ioError(op, to, err)
	}
	if err := s.st.deliver(&m); err != nil {
		return SendResult{}, ioError(op, final, err)
	}
	res.ID, res.To, res.Forwarded = m.ID, m.To, m.To != to
	return res, nil
}

// checkRecipient is the rule for the address of a message: a valid id that
// is not the mailbox's own notice sender.
func checkRecipient(op Op, to string) error {
	if err := checkID(op, "recipient id", to); err != nil {
		return err
	}
	switch {
	case strings.EqualFold(to, SystemID):
		return errorf(op, InvalidID, to, "%q is the mailbox's own notice sender and cannot receive mail", to)
	case strings.EqualFold(to, HumanID) && to != HumanID:
		return errorf(op, InvalidID, to, "%q is no agent's name: the person at the console is %q", to, HumanID)
	}
	return nil
}

// BroadcastResult describes a broadcast: one outcome per recipient.
type BroadcastResult struct {
	To        []string    // the agents that received a copy, sorted
	Outcomes  []Recipient // every recipient, sorted by name: its copy or why it got none
	LargeFile string
	Replayed  bool `json:"-"` // an earlier call with the same idempotency key did this: nothing was sent now
}

// Failed returns the recipients that got no copy.
func (r BroadcastResult) Failed() []Recipient {
	var out []Recipient
	for _, o := range r.Outcomes {
		if o.Err != nil {
			out = append(out, o)
		}
	}
	return out
}

// Recipient is the outcome of one copy of a broadcast.
type Recipient struct {
	Agent string // the registered name
	ID    string // the id of its copy; "" when it got none
	Err   error  // why it got none (an *Error); nil when it got one
}

// recipientJSON is a Recipient as an idempotency record keeps it.
type recipientJSON struct {
	Agent string `json:"agent"`
	ID    string `json:"id,omitempty"`
	Kind  Kind   `json:"kind,omitempty"`
	Error string `json:"error,omitempty"`
}

// MarshalJSON keeps the error's kind and sentence.
func (r Recipient) MarshalJSON() ([]byte, error) {
	j := recipientJSON{Agent: r.Agent, ID: r.ID}
	if r.Err != nil {
		j.Kind, j.Error = KindOf(r.Err), r.Err.Error()
	}
	return json.Marshal(j)
}

// UnmarshalJSON restores an error as an *Error of the recorded kind.
func (r *Recipient) UnmarshalJSON(b []byte) error {
	var j recipientJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*r = Recipient{Agent: j.Agent, ID: j.ID}
	if j.Kind != "" {
		r.Err = &Error{Op: OpBroadcast, Kind: j.Kind, Agent: j.Agent, Msg: j.Error}
	}
	return nil
}

// Broadcast sends one copy to every registered agent except the sender
// and the human (HumanID), who sees all traffic in the console anyway: a
// broadcast's recipients are agents.
// A recipient whose copy fails does not stop the others: the result says
// per recipient what happened (Outcomes, Failed), and the error is nil as
// long as one copy was delivered or there was nobody to send to. When every
// copy failed, the error is the first recipient's. Errors: as Send.
func (s *Session) Broadcast(ctx context.Context, content string, data json.RawMessage) (BroadcastResult, error) {
	return s.BroadcastPayload(ctx, Payload{Content: content, Data: data})
}

// BroadcastPayload is Broadcast with the whole payload, extra keys and an
// idempotency key included (see SendPayload). A broadcast that delivered
// at least one copy is recorded, so its repeat delivers nothing and
// reports the same outcomes.
func (s *Session) BroadcastPayload(ctx context.Context, p Payload) (BroadcastResult, error) {
	const op = OpBroadcast
	content, data, key := p.Content, p.Data, p.Key
	if err := s.begin(op); err != nil {
		return BroadcastResult{}, err
	}
	me := s.ID()
	if err := checkIdempotencyKey(op, me, key); err != nil {
		return BroadcastResult{}, err
	}
	data, extra, err := s.st.checkPayload(op, me, content, data, p.Extra)
	if err != nil {
		return BroadcastResult{}, err
	}
	p.Data, p.Extra = data, extra
	return once(s, op, key, fingerprint(string(op), content, string(data), string(extra), p.conversationKey()),
		func() (BroadcastResult, error) { return s.broadcast(p) },
		func(r BroadcastResult, _ error) bool { return len(r.To) > 0 },
		func(r *BroadcastResult) { r.Replayed = true })
}

// broadcast delivers a checked payload to every other agent.
func (s *Session) broadcast(p Payload) (BroadcastResult, error) {
	const op = OpBroadcast
	me := s.ID()
	tmpl := Message{From: me, Kind: KindBroadcast, Content: p.Content, Data: p.Data, Extra: p.Extra}
	if _, err := s.converse(op, p, &tmpl); err != nil {
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
		if id != me && id != HumanID {
			to = append(to, id)
		}
	}
	sort.Strings(to)
	tmpl.Time = s.st.now()
	var res BroadcastResult
	if res.LargeFile, err = s.st.makeLarge(&tmpl, "all"); err != nil {
		return res, ioError(op, me, err)
	}
	res.Outcomes = s.st.deliverEach(op, tmpl, to)
	for _, o := range res.Outcomes {
		if o.Err == nil {
			res.To = append(res.To, o.Agent)
		}
	}
	if len(res.To) == 0 && len(to) > 0 {
		return res, res.Outcomes[0].Err
	}
	return res, nil
}

// deliverAll delivers a copy of tmpl to each recipient and returns who got
// one, sorted, and the first failure.
func (st *Store) deliverAll(tmpl Message, to []string) ([]string, error) {
	var done []string
	var first error
	for _, o := range st.deliverEach("", tmpl, to) {
		switch {
		case o.Err == nil:
			done = append(done, o.Agent)
		case first == nil:
			first = o.Err
		}
	}
	return done, first
}

// deliverEach delivers a copy of tmpl to each recipient, several at a time
// so that their directory fsyncs overlap, and returns every outcome in the
// order of to. Errors are wrapped for op, when given.
func (st *Store) deliverEach(op Op, tmpl Message, to []string) []Recipient {
	const workers = 8
	out := make([]Recipient, len(to))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < min(workers, len(to)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				m := tmpl
				m.To = to[i]
				out[i] = Recipient{Agent: to[i]}
				switch err := st.deliver(&m); {
				case err == nil:
					out[i].ID = m.ID
				case op != "":
					out[i].Err = ioError(op, to[i], err)
				default:
					out[i].Err = err
				}
			}
		}()
	}
	for i := range to {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

// checkPayload validates content, data (any JSON value) and extra keys
// and returns data and extra compacted (nil when empty or null). Data and
// extra share the data size limit.
func (st *Store) checkPayload(op Op, id, content string, data, extra json.RawMessage) (json.RawMessage, json.RawMessage, error) {
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
