package maildir

import (
	"context"
	"slices"

	"github.com/ipc-dev/ipc/internal/search"
)

// Thread pages, oldest first.
const (
	DefaultThreadLimit = 50
	MaxThreadLimit     = 1000
)

// Thread returns the conversation message msgID belongs to, oldest first,
// across the mail the session's agent sent and received, read and unread,
// without changing any message's state. msgID may be any message of it
// that the agent sent or received. pg.After is the Next of the previous
// page. Errors: BadRequest (a malformed id, a cursor not of this
// thread), NotFound.
func (s *Session) Thread(ctx context.Context, msgID string, pg Page) (MessagePage, error) {
	const op = OpThread
	if err := s.begin(op); err != nil {
		return MessagePage{}, err
	}
	me := s.ID()
	m, err := s.st.mine(op, me, msgID)
	if err != nil {
		return MessagePage{}, err
	}
	p := searchPlan{op: op, me: me, q: search.Query{Thread: m.ThreadID()}}
	if p.limit, err = pageSize(op, me, pg.Limit, DefaultThreadLimit, MaxThreadLimit); err != nil {
		return MessagePage{}, err
	}
	if p.after, err = parseCursor(op, me, pg.After); err != nil {
		return MessagePage{}, err
	}
	page, err := s.st.threadIndexed(ctx, p)
	if err == nil {
		return page, nil
	}
	if ctx.Err() != nil {
		return MessagePage{}, ctx.Err()
	}
	s.st.opts.Logf("maildir: reading a thread by a scan of the files, the index cannot be used: %v", err)
	return s.st.threadScan(ctx, p)
}

// threadIndexed pages the thread through the index: its documents are
// listed whole (keys and records, no file), and only the page is read.
func (st *Store) threadIndexed(ctx context.Context, p searchPlan) (MessagePage, error) {
	var docs []search.Doc
	_, err := st.withIndex(func(ix *search.Index) error {
		if _, err := st.catchUp(ctx, ix); err != nil {
			return err
		}
		return ix.View(func(tx *search.Tx) error {
			var err error
			docs, _, err = tx.Search(search.Search{Query: p.q, Me: p.me, All: p.all})
			return err
		})
	})
	if err != nil {
		return MessagePage{}, err
	}
	slices.Reverse(docs) // oldest first
	if p.after != 0 && !slices.ContainsFunc(docs, func(d search.Doc) bool { return d.Key == p.after }) {
		return MessagePage{}, notACursor(p.op, p.me, formatCursor(p.after))
	}
	var page MessagePage
	var last uint64
	for _, d := range docs {
		if p.after != 0 && d.Key >= p.after {
			continue // on or before the cursor (keys fall as time goes on)
		}
		if len(page.Messages) == p.limit {
			page.Next = formatCursor(last)
			break
		}
		if m, ok := st.hit(p, d); ok {
			page.Messages, last = append(page.Messages, m), d.Key
		}
	}
	return page, nil
}

// threadScan pages the thread by reading every file of the agent's mail.
func (st *Store) threadScan(ctx context.Context, p searchPlan) (MessagePage, error) {
	all, err := st.scanMine(ctx, p.me, func(box string, m *Message) bool {
		return m.ThreadID() == p.q.Thread && st.inScope(p, box, m)
	})
	if err != nil {
		return MessagePage{}, ioError(p.op, p.me, err)
	}
	slices.SortFunc(all, func(a, b scanned) int { return -cmpKey(a.key, b.key, a.msg.ID, b.msg.ID) })
	if p.after != 0 && !slices.ContainsFunc(all, func(h scanned) bool { return h.key == p.after }) {
		return MessagePage{}, notACursor(p.op, p.me, formatCursor(p.after))
	}
	return scannedPage(all, p.limit, func(k uint64) bool { return p.after != 0 && k >= p.after }), nil
}
