package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// Arguments are checked against the tool's own input schema (the one
// tools/list shows, derived from its argument struct), so that a model
// that gets them wrong reads which argument is missing or of the wrong
// type, with its description, as an ordinary tool error it can correct.
//
// mcp-go's own validation (server.WithInputSchemaValidation) cannot take
// this place: it runs only on the SDK's request path, which the stdio
// transport bypasses so as not to decode a large message into maps; it
// refuses an object sent as a string holding it, which some clients do;
// and its failures carry no kind.

// checkArguments validates raw (the "arguments" object of a tool call)
// against schema and returns the arguments to decode. Required
// properties must be present and not null; present properties must have
// their declared type (string, number, integer, boolean or object);
// properties the schema does not name are ignored. An object given as a
// string holding a JSON object (some clients stringify them) is accepted
// as that object.
func checkArguments(tool string, schema mcpgo.ToolInputSchema, raw json.RawMessage) (json.RawMessage, error) {
	args := map[string]rawRef{}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &args); err != nil || args == nil {
			return nil, badArguments(tool, fmt.Errorf("the arguments must be a JSON object"))
		}
	}
	var problems []string
	rewritten := false
	for _, name := range schema.Required {
		if v, ok := args[name]; !ok || isNull(v) {
			problems = append(problems, fmt.Sprintf("missing %s (%s)", name, propertyDoc(schema, name)))
		}
	}
	names := make([]string, 0, len(args))
	for name := range args {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := args[name]
		prop, ok := schema.Properties[name].(map[string]any)
		if !ok || isNull(v) {
			continue
		}
		want, _ := prop["type"].(string)
		got := jsonType(v)
		if want == "object" && got == "string" {
			var s string
			if json.Unmarshal(v, &s) == nil && jsonType([]byte(s)) == "object" && json.Valid([]byte(s)) {
				args[name] = rawRef(s)
				rewritten = true
				continue
			}
		}
		if want != "" && got != want && !(want == "number" && got == "integer") {
			problems = append(problems, fmt.Sprintf("%s must be %s, not %s", name, article(want), article(got)))
			continue
		}
		if want == "number" || want == "integer" {
			if f := 0.0; json.Unmarshal(v, &f) != nil {
				problems = append(problems, fmt.Sprintf("%s is out of range", name))
			}
		}
	}
	if len(problems) > 0 {
		return nil, badArguments(tool, fmt.Errorf("%s", strings.Join(problems, "; ")))
	}
	if !rewritten && len(raw) > 0 && string(raw) != "null" {
		return raw, nil // as sent: no copy of a large message
	}
	out, err := json.Marshal(args)
	if err != nil {
		return nil, badArguments(tool, err)
	}
	return out, nil
}

// rawRef is a JSON value of the arguments, referring to raw's bytes rather
// than copying them (raw outlives the check): the content of a 64 MiB
// message is not copied to be looked at.
type rawRef []byte

func (r *rawRef) UnmarshalJSON(b []byte) error {
	*r = b
	return nil
}

// MarshalJSON writes the value as it was given.
func (r rawRef) MarshalJSON() ([]byte, error) { return r, nil }

func isNull(v []byte) bool { return string(bytes.TrimSpace(v)) == "null" }

// jsonType names the JSON type of a valid JSON value.
func jsonType(v []byte) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return "nothing"
	}
	switch v[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	if bytes.ContainsAny(v, ".eE") {
		return "number"
	}
	return "integer"
}

func article(t string) string {
	switch t {
	case "object", "array", "integer":
		return "an " + t
	}
	return "a " + t
}

// propertyDoc is how a missing argument is described: its type and
// description.
func propertyDoc(schema mcpgo.ToolInputSchema, name string) string {
	prop, _ := schema.Properties[name].(map[string]any)
	t, _ := prop["type"].(string)
	d, _ := prop["description"].(string)
	if d == "" {
		return article(t)
	}
	return article(t) + ": " + d
}

// jsonObject is an argument holding a JSON object, kept as sent. It is a
// struct so that the schema derived for it says "type": "object".
type jsonObject struct{ raw json.RawMessage }

// UnmarshalJSON keeps a copy of b (checkArguments made sure it is an
// object or null).
func (o *jsonObject) UnmarshalJSON(b []byte) error {
	o.raw = append(o.raw[:0], b...)
	return nil
}
