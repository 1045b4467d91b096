package fakemodel

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestStepsCallToolsByTheClientsNames: each vendor's request with ipc's
// check among its tools is answered with a call of check by the name the
// client gave it, logged with its tools and tool results; a request
// without tools gets text.
func TestStepsCallToolsByTheClientsNames(t *testing.T) {
	s, err := Start(Steps(Reply{Call: &Call{Tool: "check", Args: map[string]any{"instance_id": "a"}}}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cases := []struct{ path, body, want string }{
		{"/v1/messages", `{"stream":true,"tools":[{"name":"mcp__ipc__check"}],"messages":[{"role":"user","content":"hi"}]}`,
			`"name":"mcp__ipc__check"`},
		{"/v1/responses", `{"stream":true,"tools":[{"type":"namespace","name":"mcp__ipc","tools":[{"type":"function","name":"check"}]}],"input":[]}`,
			`"namespace":"mcp__ipc"`},
		{"/v1beta/models/m:streamGenerateContent", `{"tools":[{"functionDeclarations":[{"name":"check"}]}],"contents":[]}`,
			`"functionCall":{"args":{"instance_id":"a"},"name":"check"}`},
		{"/v1/messages", `{"messages":[{"role":"user","content":"title?"}]}`, `"text":"ok"`},
	}
	for _, c := range cases {
		resp, err := http.Post(s.URL+c.path, "application/json", strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%s: reply lacks %s:\n%s", c.path, c.want, b)
		}
	}
	log := s.Requests()
	if len(log) != len(cases) {
		t.Fatalf("logged %d requests, want %d", len(log), len(cases))
	}
	if _, ok := log[1].ToolNamed("check"); !ok || log[1].Tools[0].Namespace != "mcp__ipc" {
		t.Errorf("the Responses request's tools were read as %+v", log[1].Tools)
	}
	if log[3].N != 4 || len(log[3].Tools) != 0 {
		t.Errorf("the side request was logged as %+v", log[3])
	}
}

// TestToolResultsAdvanceTheScript: the reply depends on how many tool
// results the conversation holds, so a retried request gets the same step.
func TestToolResultsAdvanceTheScript(t *testing.T) {
	s, err := Start(Steps(Reply{Text: "first"}, Reply{Text: "second"}))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body := `{"tools":[{"name":"t"}],"messages":[{"role":"user","content":[{"type":"tool_result","content":[{"type":"text","text":"r1"}]}]}]}`
	for range 2 {
		resp, err := http.Post(s.URL+"/v1/messages", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), `"second"`) {
			t.Errorf("reply %s, want the second step", b)
		}
	}
	if got := s.Requests()[0].ToolResults; len(got) != 1 || got[0] != "r1" {
		t.Errorf("tool results read as %q", got)
	}
}
