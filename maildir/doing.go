package maildir

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ipc-dev/ipc/internal/durable"
)

// What an agent says it is doing: one line beside its name in ipc list and
// the console, kept in presence/<id>.doing ({"doing": ..., "at": ...}),
// replaced atomically, moved to the new name by a rename (renametx.go),
// removed when cleared or when the name is forgotten.

// MaxDoing is the longest line SetDoing takes, in characters.
const MaxDoing = 120

// doingRecord is the file presence/<id>.doing.
type doingRecord struct {
	Doing string    `json:"doing"`
	At    time.Time `json:"at"`
}

// SetDoing records what the session's agent says it is doing: one line of
// UTF-8 text of at most MaxDoing characters, without control characters,
// its spaces trimmed; "" clears it. A shared session (JoinLocal) may set it
// too: it is the name's. Errors: BadRequest (not one line of text),
// TooLarge, Closed, Internal.
func (s *Session) SetDoing(ctx context.Context, doing string) error {
	const op = OpDoing
	if err := s.begin(op); err != nil {
		return err
	}
	id := s.ID()
	doing, err := checkDoing(op, id, doing)
	if err != nil {
		return err
	}
	path := s.st.doingPath(id)
	if doing == "" {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return ioError(op, id, err)
		}
		return nil
	}
	body, _ := json.Marshal(doingRecord{Doing: doing, At: s.st.now()})
	err = durable.ReplaceFile(path, append(body, '\n'))
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(path), 0o700); err == nil {
			err = durable.ReplaceFile(path, append(body, '\n'))
		}
	}
	return ioError(op, id, err)
}

// checkDoing is the rule for a doing line; it returns the line trimmed.
func checkDoing(op Op, id, doing string) (string, error) {
	doing = strings.TrimSpace(doing)
	if !utf8.ValidString(doing) {
		return "", errorf(op, BadRequest, id, "what you are doing must be UTF-8 text")
	}
	if n := utf8.RuneCountInString(doing); n > MaxDoing {
		return "", errorf(op, TooLarge, id, "what you are doing is %d characters, over the %d-character limit: say it in one short line", n, MaxDoing)
	}
	for _, r := range doing {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "", errorf(op, BadRequest, id, "what you are doing must be one line of text without control characters")
		}
	}
	return doing, nil
}

// doingPath is the file of what id says it is doing.
func (st *Store) doingPath(id string) string {
	return filepath.Join(st.root, presenceDir, id+".doing")
}

// readDoing reads what id says it is doing ("" when it says nothing, or
// the file is not one SetDoing wrote).
func (st *Store) readDoing(id string) (string, time.Time) {
	f, err := durable.OpenNoFollow(st.doingPath(id))
	if err != nil {
		return "", time.Time{}
	}
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() || info.Size() > 4096 {
		return "", time.Time{}
	}
	var r doingRecord
	if json.NewDecoder(f).Decode(&r) != nil {
		return "", time.Time{}
	}
	if d, err := checkDoing(OpDoing, id, r.Doing); err != nil || d == "" {
		return "", time.Time{} // edited by hand into something no door may show
	}
	return r.Doing, r.At
}
