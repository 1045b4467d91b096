package mcp

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/ipc-dev/ipc/maildir"
)

// FuzzCheckArguments feeds arbitrary argument objects to the checks of
// every tool: they must never panic, and arguments they accept must decode
// into the tool's parameters.
func FuzzCheckArguments(f *testing.F) {
	for _, s := range []string{
		`{"from_id":"a","to_id":"b","content":"x","data":{"k":1}}`,
		`{"from_id":"a","to_id":"b","content":"x","data":"{\"k\":1}"}`,
		`{"instance_id":"a","wait_seconds":2.5}`, `{"instance_id":7}`, `{}`, `null`, `[]`, `"x"`,
		`{"instance_id":"a","send_receipts":true}`, `{"data":null}`, `{"wait_seconds":1e400}`, `{"instance_id":"a","wait_seconds":1e400}`,
	} {
		f.Add([]byte(s))
	}
	st, err := maildir.Open(f.TempDir(), maildir.Options{Sync: maildir.SyncNone})
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	srv := NewServer(context.Background(), st, Config{})
	defer srv.Close()
	tools := srv.tools()
	decoders := map[string]func([]byte) error{
		"register":       decodeInto[registerArgs],
		"send":           decodeInto[sendArgs],
		"broadcast":      decodeInto[broadcastArgs],
		"check":          decodeInto[checkArgs],
		"list_instances": decodeInto[listArgs],
		"share_file":     decodeInto[shareFileArgs],
		"share_command":  decodeInto[shareCommandArgs],
		"rename":         decodeInto[renameArgs],
		"auto_process":   decodeInto[autoProcessArgs],
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, tool := range tools {
			out, err := checkArguments(tool.Tool.Name, tool.Tool.InputSchema, raw)
			if err != nil {
				if maildir.KindOf(err) != maildir.BadRequest {
					t.Fatalf("%s: error %v of kind %s", tool.Tool.Name, err, maildir.KindOf(err))
				}
				continue
			}
			if err := decoders[tool.Tool.Name](out); err != nil {
				t.Fatalf("%s accepted %s (as %s), which does not decode: %v", tool.Tool.Name, raw, out, err)
			}
		}
	})
}

func decodeInto[A any](b []byte) error {
	var a A
	return json.Unmarshal(b, &a)
}
