// Package fakemodel is a scripted model endpoint for the tests that run the
// real agent clients (Claude Code, Codex, Gemini CLI): a local HTTP server
// that speaks each vendor's streaming API, logs every request the client
// sends, and answers with the next step of a script: some text, or a call of
// one of ipc's tools. What the model would receive is then in the log for
// the test to read. Only tests import it.
package fakemodel

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Vendor names the API a request spoke.
type Vendor string

// The APIs the server speaks.
const (
	Anthropic Vendor = "anthropic" // Messages API, /v1/messages
	OpenAI    Vendor = "openai"    // Responses API, /v1/responses
	Gemini    Vendor = "gemini"    // generateContent, /v1beta/models/M:streamGenerateContent
)

// Request is one request a client sent, with the parts the tests read.
type Request struct {
	N            int       // 1 for the first request the server received
	At           time.Time // when it arrived
	Vendor       Vendor    // empty for a path the server does not speak
	Path         string
	Body         []byte
	Tools        []Tool   // the tool definitions, as sent
	Instructions string   // the system prompt: system, instructions or systemInstruction
	ToolResults  []string // the text of every tool result in the conversation, in order
	Stream       bool
	Schema       json.RawMessage // the JSON schema the reply must meet, if the request set one
}

// Tool is one tool definition of a request.
type Tool struct {
	Name      string
	Namespace string // the group a Responses API request put it in (Codex: "mcp__ipc")
	Chars     int    // the definition's length as the client sent it (JSON)
}

// ToolNamed returns the definition whose name is name, or ends in "__"+name
// or "_"+name (how the clients prefix MCP tools), and whether there is one.
func (r Request) ToolNamed(name string) (Tool, bool) {
	for _, suffix := range []string{"", "__", "_"} {
		for _, t := range r.Tools {
			if t.Name == name || (suffix != "" && strings.HasSuffix(t.Name, suffix+name)) {
				return t, true
			}
		}
	}
	return Tool{}, false
}

// Reply is what the model answers: Text, or a call of a tool.
type Reply struct {
	Text string
	Call *Call
}

// Call is a tool call. Tool is the tool's own name ("check"); the server
// calls it by the name the client gave it ("mcp__ipc__check"), in
// its namespace if it has one.
type Call struct {
	Tool      string
	Namespace string // set by the server
	Args      map[string]any
}

// Script chooses the reply to a request.
type Script func(Request) Reply

// Steps is the script of one conversation: a request with tools that
// carries k tool results gets steps[k], and Text "done" once the steps run
// out. A request without tools (a title or a summary the client asks for on
// the side) gets Text "ok". The reply depends on the conversation only, so
// a client that retries or sends side requests does not shift the script.
func Steps(steps ...Reply) Script {
	return func(r Request) Reply {
		if len(r.Tools) == 0 {
			return Reply{Text: "ok"}
		}
		if k := len(r.ToolResults); k < len(steps) {
			return steps[k]
		}
		return Reply{Text: "done"}
	}
}

// Server is a running fake endpoint. Close it when done.
type Server struct {
	URL    string // http://127.0.0.1:port, without a path
	script Script
	srv    *http.Server
	ln     net.Listener
	done   chan struct{}

	mu   sync.Mutex
	log  []Request
	next int // ids of tool calls
	seen chan struct{}
}

// Start serves script on a loopback port.
func Start(script Script) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakemodel: listen: %w", err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), script: script, ln: ln, done: make(chan struct{}), seen: make(chan struct{})}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve)}
	go func() {
		defer close(s.done)
		s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server and waits for it.
func (s *Server) Close() {
	s.srv.Close()
	<-s.done
}

// Requests returns the log so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Changed returns a channel closed at the next request logged, so a test
// can wait on the log without polling it.
func (s *Server) Changed() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen
}

func (s *Server) record(r Request) Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.N, r.At = len(s.log)+1, time.Now()
	s.log = append(s.log, r)
	close(s.seen)
	s.seen = make(chan struct{})
	return r
}

func (s *Server) callID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	return fmt.Sprintf("call_%d", s.next)
}

// serve logs the request and hands it to its vendor's codec.
func (s *Server) serve(w http.ResponseWriter, hr *http.Request) {
	body, _ := io.ReadAll(hr.Body)
	path := hr.URL.Path
	r := Request{Path: path, Body: body}
	switch {
	case path == "/v1/messages":
		r.Vendor = Anthropic
		parseAnthropic(&r)
		r = s.record(r)
		s.answerAnthropic(w, r, s.resolve(r, s.script(r)))
	case path == "/v1/messages/count_tokens":
		s.record(r)
		writeJSON(w, map[string]any{"input_tokens": len(body) / 4})
	case path == "/v1/responses":
		r.Vendor = OpenAI
		parseOpenAI(&r)
		r = s.record(r)
		s.answerOpenAI(w, r, s.resolve(r, s.script(r)))
	case strings.Contains(path, ":streamGenerateContent") || strings.HasSuffix(path, ":generateContent"):
		r.Vendor = Gemini
		parseGemini(&r)
		r.Stream = strings.Contains(path, ":stream")
		r = s.record(r)
		s.answerGemini(w, r, s.resolve(r, s.script(r)))
	case strings.HasSuffix(path, ":countTokens"):
		s.record(r)
		writeJSON(w, map[string]any{"totalTokens": len(body) / 4})
	default:
		s.record(r)
		http.NotFound(w, hr)
	}
}

// deferredName finds an MCP tool's full name in a request that lists it
// without its definition (Claude Code's tool search names deferred tools
// in the prompt only).
var deferredName = regexp.MustCompile(`mcp__[A-Za-z0-9_-]+?__[A-Za-z_]+`)

// resolve gives a call the name the client knows the tool by.
func (s *Server) resolve(r Request, reply Reply) Reply {
	if reply.Call == nil {
		return reply
	}
	call := *reply.Call
	if t, ok := r.ToolNamed(call.Tool); ok {
		call.Tool, call.Namespace = t.Name, t.Namespace
	} else {
		for _, m := range deferredName.FindAllString(string(r.Body), -1) {
			if strings.HasSuffix(m, "__"+call.Tool) {
				call.Tool = m
				break
			}
		}
	}
	if call.Args == nil {
		call.Args = map[string]any{}
	}
	reply.Call = &call
	return reply
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// sse writes one server-sent event (event may be empty) and flushes it.
func sse(w http.ResponseWriter, event string, data any) {
	b, _ := json.Marshal(data)
	if event != "" {
		fmt.Fprintf(w, "event: %s\n", event)
	}
	fmt.Fprintf(w, "data: %s\n\n", b)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

func startSSE(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
}

// textOf is the text in a tool result's content: a string, or the text
// fields of a list of blocks, or (anything else) its JSON.
func textOf(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var blocks []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if json.Unmarshal(raw, &blocks) == nil {
		var b strings.Builder
		for _, bl := range blocks {
			b.WriteString(bl.Text)
		}
		return b.String()
	}
	return string(raw)
}

// toolsOf reads a list of tool definitions, named by nameOf.
func toolsOf(raws []json.RawMessage, nameOf func(json.RawMessage) string) []Tool {
	var tools []Tool
	for _, raw := range raws {
		if name := nameOf(raw); name != "" {
			tools = append(tools, Tool{Name: name, Chars: len(raw)})
		}
	}
	return tools
}

func nameField(raw json.RawMessage) string {
	var t struct {
		Name string `json:"name"`
	}
	json.Unmarshal(raw, &t)
	return t.Name
}
