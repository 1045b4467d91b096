package main

import (
	"fmt"
	"io"
)

// doctorReport collects the findings of ipc doctor. Each finding is
// printed as it is made (doctor's text: a mark, the detail, its fix on
// the line below) when text is set, and kept for --json, under the name
// of the part of the setup being checked (in).
type doctorReport struct {
	text     io.Writer // nil: JSON only
	check    string
	findings []finding
	problems int
}

// in names the part of the setup the findings that follow are about.
func (r *doctorReport) in(check string) { r.check = check }

// say records a check that passed or failed; a failure is a problem.
func (r *doctorReport) say(ok bool, format string, a ...any) {
	lv := levelOK
	if !ok {
		lv = levelProblem
	}
	r.add(found(r.check, lv, format, a...))
}

// note records a fact about the previous finding.
func (r *doctorReport) note(format string, a ...any) { r.add(found(r.check, levelNote, format, a...)) }

// add records findings made as data (the server's, the wake paths').
func (r *doctorReport) add(fs ...finding) {
	for _, f := range fs {
		r.findings = append(r.findings, f)
		if f.Level == levelProblem {
			r.problems++
		}
		if r.text != nil {
			fmt.Fprintf(r.text, "%s %s\n", marks[f.Level], f.Detail)
			if f.Fix != "" {
				fmt.Fprintf(r.text, "     fix: %s\n", f.Fix)
			}
		}
	}
}

// doctorFinding is one finding in ipc doctor --json.
type doctorFinding struct {
	finding
	OK bool `json:"ok"` // no warning and no problem
}

// doctorJSON is the --json form of the report: status "ok" or "problems",
// how many, and every finding in order.
type doctorJSON struct {
	Status   string          `json:"status"`
	Problems int             `json:"problems"`
	Checks   []doctorFinding `json:"checks"`
}

func (r *doctorReport) summary() doctorJSON {
	out := doctorJSON{Status: "ok", Problems: r.problems, Checks: []doctorFinding{}}
	if r.problems > 0 {
		out.Status = "problems"
	}
	for _, f := range r.findings {
		out.Checks = append(out.Checks, doctorFinding{f, f.OK()})
	}
	return out
}

// doctorProblems is the error of a doctor that found problems: exit 1,
// and not the kind of a failure of ipc itself.
type doctorProblems int

func (n doctorProblems) Error() string { return fmt.Sprintf("doctor found %d problem(s)", int(n)) }

// err is the doctor's result: an error naming the number of problems.
func (r *doctorReport) err() error {
	if r.problems > 0 {
		return doctorProblems(r.problems)
	}
	return nil
}
