package fakemodel

import (
	"encoding/json"
	"net/http"
)

// parseOpenAI reads a Responses API request (what Codex sends). The tools
// of a namespace (Codex groups each MCP server's tools in one, with the
// server's instructions as its description) are listed with it.
func parseOpenAI(r *Request) {
	var req struct {
		Instructions string            `json:"instructions"`
		Tools        []json.RawMessage `json:"tools"`
		Stream       bool              `json:"stream"`
		Input        []struct {
			Type   string          `json:"type"`
			Output json.RawMessage `json:"output"`
		} `json:"input"`
	}
	json.Unmarshal(r.Body, &req)
	r.Stream = req.Stream
	r.Instructions = req.Instructions
	for _, raw := range req.Tools {
		var ns struct {
			Type  string            `json:"type"`
			Name  string            `json:"name"`
			Tools []json.RawMessage `json:"tools"`
		}
		json.Unmarshal(raw, &ns)
		if ns.Type != "namespace" {
			r.Tools = append(r.Tools, toolsOf([]json.RawMessage{raw}, nameField)...)
			continue
		}
		for _, t := range toolsOf(ns.Tools, nameField) {
			t.Namespace = ns.Name
			r.Tools = append(r.Tools, t)
		}
	}
	for _, in := range req.Input {
		if in.Type == "function_call_output" || in.Type == "custom_tool_call_output" {
			r.ToolResults = append(r.ToolResults, textOf(in.Output))
		}
	}
}

// answerOpenAI writes reply as a streamed Responses API response.
func (s *Server) answerOpenAI(w http.ResponseWriter, r Request, reply Reply) {
	item := map[string]any{"type": "message", "role": "assistant", "id": "msg_fake",
		"content": []any{map[string]any{"type": "output_text", "text": reply.Text, "annotations": []any{}}}}
	if reply.Call != nil {
		args, _ := json.Marshal(reply.Call.Args)
		id := s.callID()
		item = map[string]any{"type": "function_call", "id": "fc_" + id, "call_id": id, "name": reply.Call.Tool, "arguments": string(args)}
		if reply.Call.Namespace != "" {
			item["namespace"] = reply.Call.Namespace
		}
	}
	usage := map[string]any{"input_tokens": len(r.Body) / 4, "input_tokens_details": nil, "output_tokens": 8, "output_tokens_details": nil, "total_tokens": len(r.Body)/4 + 8}
	startSSE(w)
	sse(w, "response.created", map[string]any{"type": "response.created", "response": map[string]any{"id": "resp_fake"}})
	sse(w, "response.output_item.added", map[string]any{"type": "response.output_item.added", "output_index": 0, "item": item})
	sse(w, "response.output_item.done", map[string]any{"type": "response.output_item.done", "output_index": 0, "item": item})
	sse(w, "response.completed", map[string]any{"type": "response.completed", "response": map[string]any{"id": "resp_fake", "usage": usage}})
}
