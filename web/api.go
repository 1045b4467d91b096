package web

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ipc-dev/ipc/maildir"
)

// maxBody bounds a POST's body: a message's content and its fields.
const maxBody = 4 << 20

// maxDeliveries bounds the ids of one /api/deliveries request.
const maxDeliveries = 100

// routes is the console's table of contents.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/agents", only(http.MethodGet, s.agents))
	mux.HandleFunc("/api/search", only(http.MethodGet, s.search))
	mux.HandleFunc("/api/thread", only(http.MethodGet, s.thread))
	mux.HandleFunc("/api/message", only(http.MethodGet, s.message))
	mux.HandleFunc("/api/deliveries", only(http.MethodGet, s.deliveries))
	mux.HandleFunc("/api/send", only(http.MethodPost, s.send))
	mux.HandleFunc("/api/events", only(http.MethodGet, s.events))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		refuse(w, http.StatusNotFound, string(maildir.NotFound), "no such route: "+r.URL.Path)
	})
	mux.Handle("/", s.assets())
	return mux
}

// only refuses a request whose method is not method (HEAD counts as GET).
func only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", method)
			refuse(w, http.StatusMethodNotAllowed, "method_not_allowed", r.URL.Path+" takes "+method)
			return
		}
		h(w, r)
	}
}

// errorJSON is every error's body.
type errorJSON struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// refuse answers with status and an error of the door's own (a check of
// auth.go, a route or method that does not exist).
func refuse(w http.ResponseWriter, status int, kind, msg string) {
	writeJSON(w, status, errorJSON{Error: kind, Message: msg})
}

// fail answers with a core error, mapped once to its status.
func fail(w http.ResponseWriter, err error) {
	kind := maildir.KindOf(err)
	writeJSON(w, statusOf(kind), errorJSON{Error: string(kind), Message: err.Error()})
}

// statusOf is the HTTP status of a core error kind.
func statusOf(k maildir.Kind) int {
	switch k {
	case maildir.BadRequest, maildir.InvalidID:
		return http.StatusBadRequest
	case maildir.Denied, maildir.NotOwner:
		return http.StatusForbidden
	case maildir.NotFound:
		return http.StatusNotFound
	case maildir.Exists, maildir.InUse, maildir.Forwarded:
		return http.StatusConflict
	case maildir.TooLarge:
		return http.StatusRequestEntityTooLarge
	case maildir.RateLimited:
		return http.StatusTooManyRequests
	case maildir.NoSpace, maildir.Busy, maildir.SessionClosed, maildir.Timeout, maildir.Canceled:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// badRequest is a malformed parameter of the door's request, reported as
// the core's bad_request.
func badRequest(format string, args ...any) error {
	return &maildir.Error{Op: "web", Kind: maildir.BadRequest, Msg: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // the client hung up, if it fails
}

// messageJSON is a message as the page reads it (docs/web.md).
type messageJSON struct {
	ID           string           `json:"id"`
	From         string           `json:"from"`
	To           string           `json:"to"`
	OrigTo       string           `json:"orig_to"`
	Time         time.Time        `json:"time"`
	Kind         string           `json:"kind"`
	Subject      string           `json:"subject"`
	Priority     maildir.Priority `json:"priority"`
	Content      string           `json:"content"`
	Data         json.RawMessage  `json:"data"`
	InReplyTo    string           `json:"in_reply_to"`
	References   []string         `json:"references"`
	Thread       string           `json:"thread"`
	AckRequested bool             `json:"ack_requested"`
	Read         bool             `json:"read"`
}

func newMessageJSON(m maildir.Message) messageJSON {
	refs := m.References
	if refs == nil {
		refs = []string{}
	}
	data := m.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return messageJSON{
		ID: m.ID, From: m.From, To: m.To, OrigTo: m.OrigTo, Time: m.Time.UTC(), Kind: m.Kind,
		Subject: m.Subject, Priority: maildir.Priority(m.Priority.String()), Content: m.Content, Data: data,
		InReplyTo: m.InReplyTo, References: refs, Thread: m.ThreadID(), AckRequested: m.AckRequested, Read: m.Read,
	}
}

// pageJSON is a page of messages.
type pageJSON struct {
	Messages []messageJSON `json:"messages"`
	Next     string        `json:"next"`
}

func newPageJSON(p maildir.MessagePage) pageJSON {
	out := pageJSON{Messages: make([]messageJSON, len(p.Messages)), Next: p.Next}
	for i, m := range p.Messages {
		out.Messages[i] = newMessageJSON(m)
	}
	return out
}

// agentJSON is one agent of /api/agents.
type agentJSON struct {
	ID         string    `json:"id"`
	Registered time.Time `json:"registered,omitzero"`
	LastSeen   time.Time `json:"last_seen,omitzero"`
	Online     bool      `json:"online"`
	Unread     int       `json:"unread"`
	Urgent     int       `json:"unread_urgent"` // of Unread, how many are urgent
	Doing      string    `json:"doing"`
	DoingAt    time.Time `json:"doing_at,omitzero"`
}

// agents: GET /api/agents.
func (s *Server) agents(w http.ResponseWriter, r *http.Request) {
	list, err := s.st.Agents(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	out := make([]agentJSON, len(list))
	for i, a := range list {
		out[i] = agentJSON{ID: a.ID, Registered: a.Registered.UTC(), LastSeen: a.LastSeen.UTC(), Online: a.Online,
			Unread: a.Unread, Urgent: a.Urgent, Doing: a.Doing, DoingAt: a.DoingAt.UTC()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"human": maildir.HumanID, "agents": out})
}

// search: GET /api/search?q=&from=&to=&thread=&since=&unread=1&limit=&after=.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, err := pageOf(q.Get("limit"), q.Get("after"))
	if err != nil {
		fail(w, err)
		return
	}
	sq := maildir.SearchQuery{Text: q.Get("q"), From: q.Get("from"), To: q.Get("to"), Thread: q.Get("thread"), Page: pg}
	if v := q.Get("since"); v != "" {
		if sq.Since, err = maildir.ParseSince(maildir.OpSearch, v, time.Now()); err != nil {
			fail(w, err)
			return
		}
	}
	switch q.Get("unread") {
	case "", "0", "false":
	case "1", "true":
		sq.Unread = true
	default:
		fail(w, badRequest("unread is 1 or 0, not %q", q.Get("unread")))
		return
	}
	res, err := s.st.SearchAll(r.Context(), sq)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, newPageJSON(res.MessagePage))
}

// thread: GET /api/thread?id=&limit=&after=.
func (s *Server) thread(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	pg, err := pageOf(q.Get("limit"), q.Get("after"))
	if err == nil {
		err = needID(q.Get("id"))
	}
	if err != nil {
		fail(w, err)
		return
	}
	p, err := s.st.ThreadAll(r.Context(), q.Get("id"), pg)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, newPageJSON(p))
}

// message: GET /api/message?id= — one message and its timeline.
func (s *Server) message(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if err := needID(id); err != nil {
		fail(w, err)
		return
	}
	d, m, err := s.st.Timeline(r.Context(), id)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": newMessageJSON(m), "delivery": d})
}

// deliveryOrError is one answer of /api/deliveries.
type deliveryOrError struct {
	*maildir.Delivery
	ID      string `json:"id,omitempty"`
	Error   string `json:"error,omitempty"`
	Message string `json:"message,omitempty"`
}

// deliveries: GET /api/deliveries?id=A&id=B — what became of each, for a
// receipt in view.
func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) {
	ids := r.URL.Query()["id"]
	if len(ids) == 0 || len(ids) > maxDeliveries {
		fail(w, badRequest("give from 1 to %d ids (id=A&id=B)", maxDeliveries))
		return
	}
	out := make([]deliveryOrError, len(ids))
	for i, id := range ids {
		d, _, err := s.st.Timeline(r.Context(), id)
		if err != nil {
			out[i] = deliveryOrError{ID: id, Error: string(maildir.KindOf(err)), Message: err.Error()}
			continue
		}
		out[i] = deliveryOrError{Delivery: &d, ID: d.ID} // the outer id hides the embedded one
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": out})
}

// sendRequest is the body of POST /api/send.
type sendRequest struct {
	To        []string `json:"to"`
	Broadcast bool     `json:"broadcast"`
	Subject   string   `json:"subject"`
	Priority  string   `json:"priority"`
	Content   string   `json:"content"`
	ReplyTo   string   `json:"reply_to"`
	Ack       bool     `json:"ack"`
}

// receiptJSON is one recipient's part of a send's receipt.
type receiptJSON struct {
	To        string            `json:"to"`
	Requested string            `json:"requested,omitempty"`
	ID        string            `json:"id,omitempty"`
	Forwarded bool              `json:"forwarded,omitempty"`
	Queued    bool              `json:"queued,omitempty"`
	Suggest   string            `json:"suggest,omitempty"`
	Delivery  *maildir.Delivery `json:"delivery,omitempty"`
	Error     *errorJSON        `json:"error,omitempty"`
}

// send: POST /api/send — as the human, to one agent, to several (one send
// each) or to every agent; the answer is the receipt.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fail(w, badRequest("the body is not a send request: %v", err))
		return
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		fail(w, badRequest("the body holds more than one JSON object"))
		return
	}
	to, err := recipients(req)
	if err != nil {
		fail(w, err)
		return
	}
	priority, err := maildir.ParsePriority(maildir.OpSend, req.Priority)
	if err != nil {
		fail(w, err)
		return
	}
	h, err := s.humanSession(r.Context())
	if err != nil {
		fail(w, err)
		return
	}
	p := maildir.Payload{Content: req.Content, Subject: req.Subject, Priority: priority, Ack: req.Ack, ReplyTo: req.ReplyTo}
	var receipts []receiptJSON
	if req.Broadcast {
		receipts, err = s.broadcast(r.Context(), h, p)
	} else {
		receipts, err = s.sendEach(r.Context(), h, to, p)
	}
	if maildir.KindOf(err) == maildir.SessionClosed {
		s.dropHuman(h)
	}
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": h.ID(), "broadcast": req.Broadcast, "receipts": receipts})
}

// recipients checks a send request's addressing and returns its names.
func recipients(req sendRequest) ([]string, error) {
	var to []string
	for _, t := range req.To {
		if t = strings.TrimSpace(t); t != "" {
			to = append(to, t)
		}
	}
	switch {
	case req.Broadcast && len(to) > 0:
		return nil, badRequest("a broadcast goes to every agent: give no \"to\"")
	case !req.Broadcast && len(to) == 0:
		return nil, badRequest("say who gets it: \"to\" (one or several names) or \"broadcast\": true")
	}
	return to, nil
}

// sendEach sends p to each name in turn; the error is nil when one copy
// went, else the first failure's.
func (s *Server) sendEach(ctx context.Context, h *maildir.Session, to []string, p maildir.Payload) ([]receiptJSON, error) {
	out := make([]receiptJSON, 0, len(to))
	var first error
	sent := false
	for _, name := range to {
		res, err := h.SendPayload(ctx, name, p)
		if err != nil {
			first = cmp.Or(first, err)
			out = append(out, receiptJSON{To: name, Requested: name, Error: errorOf(err)})
			continue
		}
		sent = true
		out = append(out, s.receiptOf(ctx, h, receiptJSON{To: res.To, Requested: res.Requested, ID: res.ID,
			Forwarded: res.Forwarded, Queued: res.Queued, Suggest: res.Suggest}))
	}
	if sent {
		first = nil
	}
	return out, first
}

// broadcast sends p to every agent but the human.
func (s *Server) broadcast(ctx context.Context, h *maildir.Session, p maildir.Payload) ([]receiptJSON, error) {
	res, err := h.BroadcastPayload(ctx, p)
	if err != nil && len(res.Outcomes) == 0 {
		return nil, err
	}
	out := make([]receiptJSON, 0, len(res.Outcomes))
	for _, o := range res.Outcomes {
		if o.Err != nil {
			out = append(out, receiptJSON{To: o.Agent, Requested: o.Agent, Error: errorOf(o.Err)})
			continue
		}
		out = append(out, s.receiptOf(ctx, h, receiptJSON{To: o.Agent, Requested: o.Agent, ID: o.ID}))
	}
	return out, err
}

// receiptOf adds the delivery state of the copy rc names, as the sender's
// status gives it.
func (s *Server) receiptOf(ctx context.Context, h *maildir.Session, rc receiptJSON) receiptJSON {
	if d, err := h.Status(ctx, rc.ID); err == nil {
		rc.Delivery = &d
	}
	return rc
}

func errorOf(err error) *errorJSON {
	return &errorJSON{Error: string(maildir.KindOf(err)), Message: err.Error()}
}

// pageOf reads a page's limit and cursor; the core checks their bounds.
func pageOf(limit, after string) (maildir.Page, error) {
	pg := maildir.Page{After: after}
	if limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil {
			return pg, badRequest("limit is a number, not %q", limit)
		}
		pg.Limit = n
	}
	return pg, nil
}

// needID refuses a request that names no message.
func needID(id string) error {
	if id == "" {
		return badRequest("say which message: id=ID")
	}
	return nil
}
