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
		GenerationConfig struct {
			MimeType string          `json:"responseMimeType"`
			Schema   json.RawMessage `json:"responseJsonSchema"`
		} `json:"generationConfig"`
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
	if req.GenerationConfig.MimeType == "application/json" {
		r.Schema = req.GenerationConfig.Schema
		if r.Schema == nil {
			r.Schema = json.RawMessage(`{}`)
		}
	}
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
	if r.Schema != nil && reply.Call == nil {
		b, _ := json.Marshal(instanceOf(r.Schema))
		part["text"] = string(b)
	}
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

// instanceOf is a value that a JSON schema accepts, for the side requests
// that ask for JSON (Gemini CLI's model router scores each prompt): the
// first enum value, the minimum number, every required property.
func instanceOf(raw json.RawMessage) any {
	var sc struct {
		Type       string                     `json:"type"`
		Enum       []any                      `json:"enum"`
		Properties map[string]json.RawMessage `json:"properties"`
		Items      json.RawMessage            `json:"items"`
		Minimum    *float64                   `json:"minimum"`
	}
	json.Unmarshal(raw, &sc)
	if len(sc.Enum) > 0 {
		return sc.Enum[0]
	}
	switch strings.ToLower(sc.Type) {
	case "string":
		return "ok"
	case "integer", "number":
		if sc.Minimum != nil {
			return *sc.Minimum
		}
		return 1
	case "boolean":
		return false
	case "array":
		return []any{}
	}
	obj := map[string]any{}
	for name, p := range sc.Properties {
		obj[name] = instanceOf(p)
	}
	return obj
}
