package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// The event stream, GET /api/events?backlog=N: "hello" first, then a
// "message" for each of the latest N messages (oldest first) and for each
// message as it lands in any mailbox, and a "change" once the mailboxes
// are watched and whenever one changes (a message lands, is read, shown by
// a door or acknowledged: maildir.Store.Changes, which coalesces a burst
// into one), a hint for the page to re-fetch what it shows. Both are woken by the core's watcher; nothing polls. An
// "error" ends the stream when the core fails. The stream ends when the
// page leaves or the server shuts down.

// Bounds of the backlog a stream starts with.
const (
	DefaultBacklog = 200
	MaxBacklog     = 1000
)

// events: GET /api/events.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	began := time.Now() // mail sent from here on is the stream's live part
	if s.open.Add(1) > MaxStreams {
		s.open.Add(-1)
		refuse(w, http.StatusServiceUnavailable, "busy", fmt.Sprintf("%d event streams are open already: close a console tab", MaxStreams))
		return
	}
	defer s.open.Add(-1)
	s.streams.Add(1)
	defer s.streams.Done()
	n, err := backlogOf(r.URL.Query().Get("backlog"))
	if err != nil {
		fail(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := &eventWriter{w: w, rc: http.NewResponseController(w)}
	if out.send("hello", "", map[string]string{"human": maildir.HumanID}) != nil {
		return
	}

	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ended := make(chan error, 2) // the first to end says why
	var wg sync.WaitGroup
	wg.Go(func() {
		ended <- s.st.Traffic(ctx, maildir.TrafficQuery{Backlog: n, LiveFrom: began}, func(m maildir.Message) error {
			return out.send("message", m.ID, newMessageJSON(m))
		})
		cancel()
	})
	wg.Go(func() {
		ended <- s.st.Changes(ctx, func() error { return out.send("change", "", struct{}{}) })
		cancel()
	})
	wg.Wait()
	if err := <-ended; err != nil && r.Context().Err() == nil && !out.broken() {
		kind := maildir.KindOf(err)
		out.send("error", "", errorJSON{Error: string(kind), Message: err.Error()})
	}
}

// backlogOf reads ?backlog=: DefaultBacklog when absent.
func backlogOf(v string) (int, error) {
	if v == "" {
		return DefaultBacklog, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > MaxBacklog {
		return 0, badRequest("backlog is a number from 0 to %d, not %q", MaxBacklog, v)
	}
	return n, nil
}

// eventWriter writes server-sent events from several goroutines, one
// whole event at a time, each flushed as it is written.
// MaxStreams bounds the event streams open at once (each holds a watcher
// and two goroutines); eventWriteWait bounds one event's write.
const (
	MaxStreams     = 32
	eventWriteWait = 30 * time.Second
)

type eventWriter struct {
	mu     sync.Mutex
	w      http.ResponseWriter
	rc     *http.ResponseController
	failed error
}

// send writes one event; once a write failed (the page left), every send
// returns that error.
func (e *eventWriter) send(event, id string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.failed != nil {
		return e.failed
	}
	// A page that stops reading must not hold the stream's goroutines:
	// a write that cannot go out within eventWriteWait ends the stream.
	_ = e.rc.SetWriteDeadline(time.Now().Add(eventWriteWait))
	if id != "" {
		_, err = fmt.Fprintf(e.w, "event: %s\nid: %s\ndata: %s\n\n", event, id, data)
	} else {
		_, err = fmt.Fprintf(e.w, "event: %s\ndata: %s\n\n", event, data)
	}
	if err == nil {
		err = e.rc.Flush()
	}
	e.failed = err
	return err
}

func (e *eventWriter) broken() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.failed != nil
}
