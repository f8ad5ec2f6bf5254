package nb

import (
	"fmt"
	"html"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/janpfeifer/gonb/gonbui"
)

// Table is a simple table of strings shown as HTML in a cell, or as aligned
// text outside a kernel.
type Table struct {
	Caption string
	Header  []string
	Rows    [][]string
	// Notes are shown under the table (e.g. "blank: c underflows, see text").
	Notes string
}

// HTML renders the table as an HTML <table>; cells are escaped.
func (t *Table) HTML() string {
	var b strings.Builder
	b.WriteString(`<table style="border-collapse:collapse;font-size:90%">`)
	if t.Caption != "" {
		fmt.Fprintf(&b, `<caption style="caption-side:top;font-weight:bold;text-align:left">%s</caption>`, html.EscapeString(t.Caption))
	}
	if len(t.Header) > 0 {
		b.WriteString("<thead><tr>")
		for _, h := range t.Header {
			fmt.Fprintf(&b, `<th style="border-bottom:1px solid #444;padding:2px 8px;text-align:left">%s</th>`, html.EscapeString(h))
		}
		b.WriteString("</tr></thead>")
	}
	b.WriteString("<tbody>")
	for _, r := range t.Rows {
		b.WriteString("<tr>")
		for _, c := range r {
			align := "left"
			if isNumber(c) {
				align = "right" // numbers line up on their last digit
			}
			fmt.Fprintf(&b, `<td style="padding:2px 8px;text-align:%s;font-variant-numeric:tabular-nums">%s</td>`, align, html.EscapeString(c))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	if t.Notes != "" {
		fmt.Fprintf(&b, `<p style="font-size:85%%">%s</p>`, html.EscapeString(t.Notes))
	}
	return b.String()
}

// Text renders the table as tab-aligned plain text.
func (t *Table) Text() string {
	var b strings.Builder
	if t.Caption != "" {
		b.WriteString(t.Caption + "\n")
	}
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if len(t.Header) > 0 {
		fmt.Fprintln(w, strings.Join(t.Header, "\t"))
	}
	for _, r := range t.Rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
	if t.Notes != "" {
		b.WriteString(t.Notes + "\n")
	}
	return b.String()
}

// Show displays the table as HTML in the cell; outside a kernel it prints
// Text() to the text output (SetTextOutput).
func (t *Table) Show() {
	if InKernel() {
		gonbui.DisplayHTML(t.HTML())
		flush()
		return
	}
	fmt.Fprint(textWriter(), t.Text())
}

// ShowTable is a shortcut for (&Table{...}).Show().
func ShowTable(caption string, header []string, rows [][]string) {
	(&Table{Caption: caption, Header: header, Rows: rows}).Show()
}

// isNumber reports whether a cell holds a number ("0.0335", "-1.2e+05",
// "10^-554", "—" for a blank number).
func isNumber(s string) bool {
	s = strings.TrimSpace(s)
	if s == "—" {
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	_, err := strconv.Atoi(strings.TrimPrefix(s, "10^"))
	return strings.HasPrefix(s, "10^") && err == nil
}
