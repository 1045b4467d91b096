package maildir

import (
	"context"
	"errors"
	"path/filepath"
	"slices"

	"github.com/ipc-dev/ipc/internal/search"
	"github.com/ipc-dev/ipc/internal/text"
)

// The overseer's view: what the human watching the agents sees in ipc web
// and ipc tail --all. It reads every mailbox and never claims, marks or
// moves a message: reading through it is never reading on an agent's
// behalf. Its parts: the human's identity (human.go), the live traffic
// (traffic.go), a message's timeline (timeline.go), what each agent says
// it is doing (doing.go), and here search and threads of every mailbox.

// SearchAll is Search over every mailbox, for the overseer: the same
// query language, paging and index, without the agent's scope. q.Unread
// keeps the mail still in its recipient's new/. Errors: as Search;
// NotFound when q.Thread names no message of any mailbox.
func (st *Store) SearchAll(ctx context.Context, q SearchQuery) (SearchResult, error) {
	const op = OpSearch
	p, err := st.planSearch(op, "", q)
	if err != nil {
		return SearchResult{}, err
	}
	if !q.Scan {
		res, err := st.searchIndexed(ctx, p)
		switch {
		case err == nil:
			return res, nil
		case errors.Is(err, search.ErrQuery):
			return SearchResult{}, errorf(op, BadRequest, "", "%s", queryMsg(err))
		case ctx.Err() != nil:
			return SearchResult{}, ctx.Err()
		}
		st.opts.Logf("maildir: searching by a scan of the files, the index cannot be used: %v", err)
	}
	return st.searchScan(ctx, p)
}

// ThreadAll is Thread over every mailbox, for the overseer: the
// conversation msgID (any message of any mailbox) belongs to, oldest
// first. Errors: BadRequest (a malformed id or cursor), NotFound.
func (st *Store) ThreadAll(ctx context.Context, msgID string, pg Page) (MessagePage, error) {
	const op = OpThread
	m, err := st.anywhere(op, msgID)
	if err != nil {
		return MessagePage{}, err
	}
	p := searchPlan{op: op, all: true, q: search.Query{Thread: m.ThreadID()}}
	if p.limit, err = pageSize(op, "", pg.Limit, DefaultThreadLimit, MaxThreadLimit); err != nil {
		return MessagePage{}, err
	}
	if p.after, err = parseCursor(op, "", pg.After); err != nil {
		return MessagePage{}, err
	}
	page, err := st.threadIndexed(ctx, p)
	if err == nil {
		return page, nil
	}
	if ctx.Err() != nil {
		return MessagePage{}, ctx.Err()
	}
	st.opts.Logf("maildir: reading a thread by a scan of the files, the index cannot be used: %v", err)
	return st.threadScan(ctx, p)
}

// mineOrAny is mine for an agent's search, and anywhere for the
// overseer's (me "").
func (st *Store) mineOrAny(op Op, me, msgID string) (Message, error) {
	if me == "" {
		return st.anywhere(op, msgID)
	}
	return st.mine(op, me, msgID)
}

// anywhere reads message msgID from whichever mailbox holds it. Errors:
// BadRequest (a malformed id), NotFound.
func (st *Store) anywhere(op Op, msgID string) (Message, error) {
	if err := checkMsgID(op, "", msgID); err != nil {
		return Message{}, err
	}
	if _, path, read, found := st.locateAnywhere(msgID); found {
		if m, err := st.readMessage(path); err == nil {
			m.Read = read
			return m, nil
		}
	}
	return Message{}, errorf(op, NotFound, "", "no message %s in any mailbox", text.Cut(msgID, 80))
}

// scanAll reads every message of every mailbox, in no order, keeping
// those keep accepts: the scan behind SearchAll and ThreadAll.
func (st *Store) scanAll(ctx context.Context, keep func(box string, m *Message) bool) ([]scanned, error) {
	boxes, err := listDir(filepath.Join(st.root, mailDir))
	if err != nil {
		return nil, err
	}
	slices.Sort(boxes)
	var out []scanned
	for _, box := range boxes {
		for _, sub := range []string{dirNew, dirCur} {
			names, err := listDir(st.boxPath(box, sub))
			if err != nil {
				continue // not a maildir (a stray file under mail/)
			}
			for _, n := range names {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				m, err := st.readMessage(st.boxPath(box, sub, n))
				if err != nil {
					continue
				}
				m.Read = sub == dirCur
				if keep(box, &m) {
					out = append(out, scanned{search.KeyOf(sortTime(&m)), m})
				}
			}
		}
	}
	return out, nil
}
