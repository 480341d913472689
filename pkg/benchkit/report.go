package benchkit

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Report collects one scenario's figures, an optional table and its checks.
type Report struct {
	Name   string
	start  time.Time
	took   time.Duration
	table  [][]string // the first row is the header
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

// NewReport starts the report of the scenario name.
func NewReport(name string) *Report { return &Report{Name: name, start: time.Now()} }

// Row appends a table row (the first call gives the header).
func (r *Report) Row(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		row[i] = fmt.Sprint(c)
	}
	r.table = append(r.table, row)
}

// Fact records a figure.
func (r *Report) Fact(label, format string, args ...any) {
	r.facts = append(r.facts, [2]string{label, fmt.Sprintf(format, args...)})
}

// Check records a pass/fail statement (a target met or missed) and returns ok.
func (r *Report) Check(ok bool, format string, args ...any) bool {
	r.checks = append(r.checks, check{ok: ok, what: fmt.Sprintf(format, args...)})
	return ok
}

// Note records a line of explanation.
func (r *Report) Note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

// Fail records an error that stopped the scenario.
func (r *Report) Fail(err error) { r.errs = append(r.errs, err) }

// Failed reports whether the scenario could not run to its end.
func (r *Report) Failed() bool { return len(r.errs) > 0 }

func (r *Report) finish() { r.took = time.Since(r.start) }

// Passed reports whether the scenario ran to its end and every check passed.
func (r *Report) Passed() bool {
	for _, c := range r.checks {
		if !c.ok {
			return false
		}
	}
	return !r.Failed()
}

func (r *Report) result() string {
	if r.Passed() {
		return "PASS"
	}
	return "FAIL"
}

// failedChecks names what failed, for the summary.
func (r *Report) failedChecks() []string {
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

// Print writes the report: facts, table, checks, errors, notes and the result.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range r.facts {
		fmt.Fprintf(tw, "  %s\t%s\n", f[0], f[1])
	}
	_ = tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range r.table {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	_ = tw.Flush()
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
	fmt.Fprintf(w, "%s: %s (%s)\n", r.Name, r.result(), r.took.Round(100*time.Millisecond))
}
