package main

import (
	"fmt"
	"io"
)

// doctorReport collects the findings of ipc doctor. Each finding is
// printed as it is made ("ok  ", "FAIL", "WARN" or an indented note) when
// text is set, and kept for --json, under the name of the part of the
// setup being checked (in).
type doctorReport struct {
	text     io.Writer // nil: JSON only
	check    string
	findings []doctorFinding
	problems int
}

// doctorFinding is one finding in ipc doctor --json: the part of the
// setup it is about, whether it is fine, its level (ok, fail, warn or
// note) and its sentence.
type doctorFinding struct {
	Check  string `json:"check"`
	OK     bool   `json:"ok"`
	Level  string `json:"level"`
	Detail string `json:"detail"`
}

// in names the part of the setup the findings that follow are about.
func (r *doctorReport) in(check string) { r.check = check }

// say records a check that passed or failed; a failure is a problem.
func (r *doctorReport) say(ok bool, format string, a ...any) {
	level := "ok"
	if !ok {
		level = "fail"
		r.problems++
	}
	r.add(ok, level, fmt.Sprintf(format, a...))
}

// warn records something that may be wrong but does not fail the doctor.
func (r *doctorReport) warn(format string, a ...any) { r.add(true, "warn", fmt.Sprintf(format, a...)) }

// note records a fact about the previous finding.
func (r *doctorReport) note(format string, a ...any) { r.add(true, "note", fmt.Sprintf(format, a...)) }

var doctorMarks = map[string]string{"ok": "ok  ", "fail": "FAIL", "warn": "WARN", "note": "    "}

func (r *doctorReport) add(ok bool, level, detail string) {
	r.findings = append(r.findings, doctorFinding{Check: r.check, OK: ok, Level: level, Detail: detail})
	if r.text != nil {
		fmt.Fprintf(r.text, "%s %s\n", doctorMarks[level], detail)
	}
}

// doctorJSON is the --json form of the report: status "ok" or "problems",
// how many, and every finding in order.
type doctorJSON struct {
	Status   string          `json:"status"`
	Problems int             `json:"problems"`
	Checks   []doctorFinding `json:"checks"`
}

func (r *doctorReport) summary() doctorJSON {
	out := doctorJSON{Status: "ok", Problems: r.problems, Checks: r.findings}
	if r.problems > 0 {
		out.Status = "problems"
	}
	if out.Checks == nil {
		out.Checks = []doctorFinding{}
	}
	return out
}

// err is the doctor's result: an error naming the number of problems.
func (r *doctorReport) err() error {
	if r.problems > 0 {
		return fmt.Errorf("doctor found %d problem(s)", r.problems)
	}
	return nil
}
