package maildir

import "testing"

// TestParseTransferEncodings: message files other tools wrote with a
// base64 or quoted-printable body are read as the text they carry; a body
// that does not decode to UTF-8 text is kept as it is.
func TestParseTransferEncodings(t *testing.T) {
	for _, tc := range []struct{ file, content string }{
		{"From: py\nContent-Transfer-Encoding: base64\n\ndW5yZWFkIGZyb20gcHl0aG9uCg==\n", "unread from python"},
		{"From: py\nContent-Transfer-Encoding: BASE64\n\nw6lj\nbGF0\n", "éclat"},
		{"From: qp\nContent-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 au l=\nait\n", "café au lait"},
		{"From: x\nContent-Transfer-Encoding: base64\n\nnot base64!\n", "not base64!"},
		{"From: x\nContent-Transfer-Encoding: base64\n\n/w==\n", "/w=="}, // decodes to a byte that is not UTF-8
		{"From: x\nContent-Transfer-Encoding: 8bit\n\nplain\n", "plain"},
		{"From: x\n\n=C3=A9\n", "=C3=A9"},
	} {
		m, _ := parseMessage([]byte(tc.file))
		if m.Content != tc.content {
			t.Errorf("parseMessage(%q).Content = %q, want %q", tc.file, m.Content, tc.content)
		}
	}
}
