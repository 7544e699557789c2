package finding

import "testing"

func TestMarkdownText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"payments-s3-reader", "payments-s3-reader"},
		{"![x](https://tracker.example/p.png)", `\!\[x\](https://tracker.example/p.png)`},
		{"a**b**_c_", `a\*\*b\*\*\_c\_`},
		{"<script>&amp;", `\<script\>\&amp;`},
		{"x|y`z\\", "x\\|y\\`z\\\\"},
		{"# not a heading\n- nor a list", `\# not a heading - nor a list`},
	} {
		if got := MarkdownText(tc.in); got != tc.want {
			t.Errorf("MarkdownText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"arn:aws:iam::111122223333:role/x", "`arn:aws:iam::111122223333:role/x`"},
		{"a`b", "``a`b``"},
		{"`x``", "``` `x`` ```"},
		{"two\nlines", "`two lines`"},
		{`C:\path`, "`C:\\path`"},
	} {
		if got := MarkdownCode(tc.in); got != tc.want {
			t.Errorf("MarkdownCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
