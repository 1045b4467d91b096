package maildir

import (
	"context"
	"sort"

	"github.com/ipc-dev/ipc/internal/text"
)

// DefaultHistoryPage is how many messages a page of HistoryPage holds when
// the Page does not say.
const DefaultHistoryPage = 20

// History returns up to limit read messages, oldest first, ending with the
// most recent (limit <= 0 means all).
func (s *Session) History(ctx context.Context, limit int) ([]Message, error) {
	const op = OpHistory
	if err := s.begin(op); err != nil {
		return nil, err
	}
	id := s.ID()
	names, err := listDir(s.st.boxPath(id, dirCur))
	if err != nil {
		return nil, ioError(op, id, err)
	}
	sortArrival(names)
	if limit > 0 && len(names) > limit {
		names = names[len(names)-limit:]
	}
	return s.st.readHistory(ctx, op, id, names)
}

// HistoryPage returns one page of the read mail, paging back in time: the
// first page holds the pg.Limit most recent messages, and its Next (pass
// it as the next pg.After) the ones read before them. Within a page the
// messages are oldest first, as History returns them. A page costs one
// listing of cur/, ordered by the arrival times in the names, and the
// reading of its own files only, however many the mailbox holds. Errors:
// BadRequest (a malformed cursor or one not of this listing, a negative
// limit), Closed, Expired,
// Internal.
func (s *Session) HistoryPage(ctx context.Context, pg Page) (MessagePage, error) {
	const op = OpHistory
	if err := s.begin(op); err != nil {
		return MessagePage{}, err
	}
	id := s.ID()
	limit, err := pageLimit(op, id, pg, DefaultHistoryPage)
	if err != nil {
		return MessagePage{}, err
	}
	names, err := listDir(s.st.boxPath(id, dirCur))
	if err != nil {
		return MessagePage{}, ioError(op, id, err)
	}
	page, next, ok := pageOlder(names, pg.After, limit)
	if !ok {
		return MessagePage{}, notACursor(op, id, pg.After)
	}
	for i, j := 0, len(page)-1; i < j; i, j = i+1, j-1 {
		page[i], page[j] = page[j], page[i]
	}
	ms, err := s.st.readHistory(ctx, op, id, page)
	return MessagePage{Messages: ms, Next: next}, err
}

// readHistory reads the named files of cur/ of id, in order, skipping
// those gone or moved aside.
func (st *Store) readHistory(ctx context.Context, op Op, id string, names []string) ([]Message, error) {
	out := make([]Message, 0, len(names))
	for _, n := range names {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		m, ok, err := st.readEntry(id, dirCur, n, nil)
		if err != nil {
			return out, ioError(op, id, err)
		}
		if ok {
			m.Read = true
			out = append(out, m)
		}
	}
	return out, nil
}

// pageLimit checks the cursor and limit of pg, giving def for no limit.
func pageLimit(op Op, id string, pg Page, def int) (int, error) {
	if pg.After != "" {
		if err := checkMsgID(op, id, pg.After); err != nil {
			return 0, errorf(op, BadRequest, id, "the cursor %q is not a message id: pass the next of a previous page", text.Cut(pg.After, 80))
		}
	}
	return pageSize(op, id, pg.Limit, def, 0)
}

// pageOlder returns the limit newest of names (maildir names, with or
// without info suffix) that arrived before the message after (all of them
// when after is ""), newest first, and the cursor of the page after it:
// the id of the page's oldest, or "" when no older name is left. Order
// and cursor come from the names alone (nameTime, then the id). ok is
// false when after is none of names: not a cursor of this listing.
func pageOlder(names []string, after string, limit int) (page []string, next string, ok bool) {
	type entry struct {
		t    int64
		id   string
		name string
	}
	older := func(a, b entry) bool { return a.t < b.t || a.t == b.t && a.id < b.id }
	var cursor entry
	if after != "" {
		cursor = entry{t: nameTime(after), id: after}
	}
	es := make([]entry, 0, len(names))
	ok = after == ""
	for _, n := range names {
		e := entry{nameTime(n), baseID(n), n}
		ok = ok || e.id == after
		if after == "" || older(e, cursor) {
			es = append(es, e)
		}
	}
	sort.Slice(es, func(i, j int) bool { return older(es[j], es[i]) })
	if len(es) > limit {
		next = es[limit-1].id
		es = es[:limit]
	}
	page = make([]string, len(es))
	for i, e := range es {
		page[i] = e.name
	}
	return page, next, ok
}

// notACursor is the error of a page's cursor that the listing never gave.
func notACursor(op Op, id, after string) error {
	return errorf(op, BadRequest, id, "%q is not a cursor of this listing: pass the one its last page printed", text.Cut(after, 40))
}
