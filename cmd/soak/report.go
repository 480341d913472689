package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// report collects one scenario's figures and checks.
type report struct {
	name   string
	start  time.Time
	took   time.Duration
	table  [][]string // optional; the first row is the header
	facts  [][2]string
	checks []check
	errs   []error
	notes  []string
}

// check is one pass/fail statement.
type check struct {
	ok   bool
	what string
}

func newReport(name string) *report { return &report{name: name, start: time.Now()} }

// row appends a table row (the first call gives the header).
func (r *report) row(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	r.table = append(r.table, row)
}

// fact records a figure.
func (r *report) fact(label, format string, args ...any) {
	r.facts = append(r.facts, [2]string{label, fmt.Sprintf(format, args...)})
}

// check records a pass/fail statement and returns ok.
func (r *report) check(ok bool, format string, args ...any) bool {
	r.checks = append(r.checks, check{ok: ok, what: fmt.Sprintf(format, args...)})
	return ok
}

// note records a line of explanation (e.g. where the logs are).
func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// fail records an error that stopped the scenario.
func (r *report) fail(err error) { r.errs = append(r.errs, err) }

func (r *report) finish() { r.took = time.Since(r.start) }

func (r *report) passed() bool {
	if len(r.errs) > 0 {
		return false
	}
	for _, c := range r.checks {
		if !c.ok {
			return false
		}
	}
	return true
}

// failedChecks names what failed, for the summary.
func (r *report) failedChecks() []string {
	var out []string
	for _, err := range r.errs {
		first, _, _ := strings.Cut(err.Error(), "\n")
		out = append(out, "error: "+first)
	}
	for _, c := range r.checks {
		if !c.ok {
			out = append(out, c.what)
		}
	}
	return out
}

func (r *report) print(w io.Writer) {
	if len(r.facts) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, f := range r.facts {
			fmt.Fprintf(tw, "  %s\t%s\n", f[0], f[1])
		}
		_ = tw.Flush()
	}
	if len(r.table) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, row := range r.table {
			fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		}
		_ = tw.Flush()
	}
	for _, c := range r.checks {
		mark := "PASS"
		if !c.ok {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %s\n", mark, c.what)
	}
	for _, err := range r.errs {
		fmt.Fprintf(w, "  FAIL  error: %v\n", err)
	}
	for _, n := range r.notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	res := "PASS"
	if !r.passed() {
		res = "FAIL"
	}
	fmt.Fprintf(w, "%s: %s (%s)\n", r.name, res, r.took.Round(100*time.Millisecond))
}
