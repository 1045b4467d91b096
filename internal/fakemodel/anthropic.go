package fakemodel

import (
	"encoding/json"
	"net/http"
)

// parseAnthropic reads a Messages API request.
func parseAnthropic(r *Request) {
	var req struct {
		System   json.RawMessage   `json:"system"`
		Tools    []json.RawMessage `json:"tools"`
		Stream   bool              `json:"stream"`
		Messages []struct {
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	json.Unmarshal(r.Body, &req)
	r.Stream = req.Stream
	r.Instructions = textOf(req.System)
	r.Tools = toolsOf(req.Tools, nameField)
	for _, m := range req.Messages {
		var blocks []struct {
			Type    string          `json:"type"`
			Content json.RawMessage `json:"content"`
		}
		json.Unmarshal(m.Content, &blocks)
		for _, b := range blocks {
			if b.Type == "tool_result" {
				r.ToolResults = append(r.ToolResults, textOf(b.Content))
			}
		}
	}
}

// answerAnthropic writes reply as a Messages API response, streamed when
// the request asked for it.
func (s *Server) answerAnthropic(w http.ResponseWriter, r Request, reply Reply) {
	block := map[string]any{"type": "text", "text": reply.Text}
	stop := "end_turn"
	if reply.Call != nil {
		block = map[string]any{"type": "tool_use", "id": "toolu_" + s.callID(), "name": reply.Call.Tool, "input": reply.Call.Args}
		stop = "tool_use"
	}
	usage := map[string]any{"input_tokens": len(r.Body) / 4, "output_tokens": 8}
	msg := map[string]any{"id": "msg_fake", "type": "message", "role": "assistant", "model": "claude-fake",
		"content": []any{block}, "stop_reason": stop, "stop_sequence": nil, "usage": usage}
	if !r.Stream {
		writeJSON(w, msg)
		return
	}
	startSSE(w)
	start := map[string]any{}
	for k, v := range msg {
		start[k] = v
	}
	start["content"], start["stop_reason"] = []any{}, nil
	sse(w, "message_start", map[string]any{"type": "message_start", "message": start})
	var delta map[string]any
	if reply.Call != nil {
		args, _ := json.Marshal(reply.Call.Args)
		first := map[string]any{"type": "tool_use", "id": block["id"], "name": block["name"], "input": map[string]any{}}
		sse(w, "content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": first})
		delta = map[string]any{"type": "input_json_delta", "partial_json": string(args)}
	} else {
		sse(w, "content_block_start", map[string]any{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
		delta = map[string]any{"type": "text_delta", "text": reply.Text}
	}
	sse(w, "content_block_delta", map[string]any{"type": "content_block_delta", "index": 0, "delta": delta})
	sse(w, "content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	sse(w, "message_delta", map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": map[string]any{"output_tokens": 8}})
	sse(w, "message_stop", map[string]any{"type": "message_stop"})
}
