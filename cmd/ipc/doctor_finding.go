package main

import (
	"fmt"
)

// level says how a doctor finding stands.
type level string

// The levels of a finding. Only a problem makes doctor exit 1.
const (
	levelOK      level = "ok"      // checked, and as it should be
	levelNote    level = "note"    // worth knowing, neither good nor bad
	levelWarning level = "warning" // works, but not as the user likely expects
	levelProblem level = "problem" // something is broken
)

// finding is one result of a doctor check, as data: a printer renders it
// as a line of text (doctorReport.add), or as a record.
type finding struct {
	Check  string `json:"check"`         // what was checked: "server", "port", "server.json", "version", "hook", "channels", "wake"
	Level  level  `json:"level"`         // how it stands
	Detail string `json:"detail"`        // what was found, one sentence
	Fix    string `json:"fix,omitempty"` // what to do about it, when something can be done
}

// OK reports whether the finding is no warning and no problem.
func (f finding) OK() bool { return f.Level == levelOK || f.Level == levelNote }

// found makes a finding with its detail formatted.
func found(check string, lv level, format string, a ...any) finding {
	return finding{Check: check, Level: lv, Detail: fmt.Sprintf(format, a...)}
}

// withFix returns the finding with its fix.
func (f finding) withFix(format string, a ...any) finding {
	f.Fix = fmt.Sprintf(format, a...)
	return f
}

// marks are the first column of doctor's text output, one per level.
var marks = map[level]string{levelOK: "ok  ", levelNote: "    ", levelWarning: "WARN", levelProblem: "FAIL"}
