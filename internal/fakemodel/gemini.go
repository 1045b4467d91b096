package fakemodel

import (
	"encoding/json"
	"net/http"
	"strings"
)

// parseGemini reads a generateContent request (what Gemini CLI sends).
func parseGemini(r *Request) {
	var req struct {
		SystemInstruction struct {
			Parts []struct {
				Text string `json:"text"`
			} `json:"parts"`
		} `json:"systemInstruction"`
		Tools []struct {
			FunctionDeclarations []json.RawMessage `json:"functionDeclarations"`
		} `json:"tools"`
		Contents []struct {
			Parts []struct {
				FunctionResponse *struct {
					Response json.RawMessage `json:"response"`
				} `json:"functionResponse"`
			} `json:"parts"`
		} `json:"contents"`
	}
	json.Unmarshal(r.Body, &req)
	var sys strings.Builder
	for _, p := range req.SystemInstruction.Parts {
		sys.WriteString(p.Text)
	}
	r.Instructions = sys.String()
	for _, t := range req.Tools {
		r.Tools = append(r.Tools, toolsOf(t.FunctionDeclarations, nameField)...)
	}
	for _, c := range req.Contents {
		for _, p := range c.Parts {
			if p.FunctionResponse != nil {
				r.ToolResults = append(r.ToolResults, textOf(p.FunctionResponse.Response))
			}
		}
	}
}

// answerGemini writes reply as a generateContent response, one SSE event
// when streamed.
func (s *Server) answerGemini(w http.ResponseWriter, r Request, reply Reply) {
	part := map[string]any{"text": reply.Text}
	if reply.Call != nil {
		part = map[string]any{"functionCall": map[string]any{"name": reply.Call.Tool, "args": reply.Call.Args}}
	}
	resp := map[string]any{
		"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": []any{part}}, "finishReason": "STOP", "index": 0}},
		"usageMetadata": map[string]any{"promptTokenCount": len(r.Body) / 4, "candidatesTokenCount": 8, "totalTokenCount": len(r.Body)/4 + 8},
		"modelVersion":  "gemini-fake",
	}
	if !r.Stream {
		writeJSON(w, resp)
		return
	}
	startSSE(w)
	sse(w, "", resp)
}
