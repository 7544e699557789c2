package bundle

import (
	"reflect"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
)

// scanInvalid are items the cursor (kubescan.go) must not accept: every
// one falls back, and all but those marked valid (or, with the options
// that allow invalid UTF-8, badUTF8) are errors to json.Unmarshal too.
var scanInvalid = []struct {
	name    string
	raw     string
	valid   bool // json.Unmarshal accepts it; the cursor falls back all the same
	badUTF8 bool // json.Unmarshal accepts it with AllowInvalidUTF8 (itemOpts)
}{
	{name: "bad number in a skipped managedFields entry", raw: `{"kind":"Pod","metadata":{"name":"a","managedFields":[{"manager":"m","time":01}]}}`},
	{name: "leading zero", raw: `{"kind":"Pod","x":01}`},
	{name: "leading zero, read", raw: `{"kind":"Pod","spec":{"securityContext":{"runAsUser":01}}}`},
	{name: "minus alone", raw: `{"kind":"Pod","x":-}`},
	{name: "minus alone, read", raw: `{"kind":"Pod","spec":{"securityContext":{"runAsUser":-}}}`},
	{name: "dot without digits", raw: `{"kind":"Pod","x":1.}`},
	{name: "dot without integer", raw: `{"kind":"Pod","x":.5}`},
	{name: "plus sign", raw: `{"kind":"Pod","x":+1}`},
	{name: "exponent without digits", raw: `{"kind":"Pod","x":1e}`},
	{name: "exponent sign without digits", raw: `{"kind":"Pod","x":1e+}`},
	{name: "hex", raw: `{"kind":"Pod","x":0x1}`},
	{name: "trailing comma in an object", raw: `{"kind":"Pod","x":{"a":1,}}`},
	{name: "trailing comma in the item", raw: `{"kind":"Pod",}`},
	{name: "trailing comma in a read object", raw: `{"kind":"Pod","metadata":{"name":"a",}}`},
	{name: "trailing comma in a map", raw: `{"kind":"Pod","metadata":{"labels":{"a":"b",}}}`},
	{name: "trailing comma in an array", raw: `{"kind":"Pod","x":[1,]}`},
	{name: "trailing comma in a read array", raw: `{"kind":"Pod","spec":{"containers":[{"name":"a"},]}}`},
	{name: "trailing comma in a string array", raw: `{"kind":"Pod","spec":{"containers":[{"args":["a",]}]}}`},
	{name: "leading comma", raw: `{,"kind":"Pod"}`},
	{name: "leading comma in an array", raw: `{"kind":"Pod","x":[,1]}`},
	{name: "two commas", raw: `{"kind":"Pod",,"x":1}`},
	{name: "no comma", raw: `{"kind":"Pod" "x":1}`},
	{name: "no comma in an array", raw: `{"kind":"Pod","x":[1 2]}`},
	{name: "missing colon", raw: `{"kind":"Pod","x" 1}`},
	{name: "missing colon, read", raw: `{"kind" "Pod"}`},
	{name: "missing colon in a map", raw: `{"kind":"Pod","metadata":{"labels":{"a" "b"}}}`},
	{name: "a name not a string", raw: `{"kind":"Pod",x:1}`},
	{name: "a map key not a string", raw: `{"kind":"Pod","metadata":{"labels":{null:"b"}}}`},
	{name: "raw control character in a skipped string", raw: "{\"kind\":\"Pod\",\"x\":\"a\x01b\"}"},
	{name: "raw newline in a read string", raw: "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\nb\"}}"},
	{name: "raw tab in a name", raw: "{\"kind\":\"Pod\",\"x\ty\":1}"},
	{name: "escaped control character", raw: "{\"kind\":\"Pod\",\"x\":\"a\\\x01\"}"},
	{name: "unknown escape", raw: `{"kind":"Pod","x":"\q"}`},
	{name: "short unicode escape", raw: `{"kind":"Pod","x":"\u12"}`},
	{name: "lone surrogate in a skipped string", raw: `{"kind":"Pod","x":"\ud800"}`, badUTF8: true},
	{name: "lone low surrogate in a skipped string", raw: `{"kind":"Pod","x":"\udc00x"}`, badUTF8: true},
	{name: "lone surrogate in a read string", raw: `{"kind":"Pod","metadata":{"name":"\ud800"}}`, badUTF8: true},
	{name: "invalid UTF-8 in a skipped string", raw: "{\"kind\":\"Pod\",\"x\":\"\xff\"}", badUTF8: true},
	{name: "unterminated string", raw: `{"kind":"Pod","x":"abc`},
	{name: "unterminated string after an escape", raw: `{"kind":"Pod","x":"abc\"}`},
	{name: "unterminated read string", raw: `{"kind":"Pod","metadata":{"name":"abc`},
	{name: "unterminated object", raw: `{"kind":"Pod","x":{"a":1}`},
	{name: "unterminated item", raw: `{"kind":"Pod"`},
	{name: "unterminated array", raw: `{"kind":"Pod","x":[1,[2]}`},
	{name: "unterminated after a name", raw: `{"kind":"Pod","x":`},
	{name: "mismatched close", raw: `{"kind":"Pod","x":[1}}`},
	{name: "garbage after the value", raw: `{"kind":"Pod"} x`},
	{name: "a second value", raw: `{"kind":"Pod"} {}`},
	{name: "a close after the value", raw: `{"kind":"Pod"}}`},
	{name: "NUL after the value", raw: "{\"kind\":\"Pod\"}\x00"},
	{name: "bare string where the item is expected", raw: `"Pod"`},
	{name: "bare number where the item is expected", raw: `1`},
	{name: "bare string where metadata is expected", raw: `{"kind":"Pod","metadata":"x"}`},
	{name: "bare number where a container is expected", raw: `{"kind":"Pod","spec":{"containers":[1]}}`},
	{name: "bad literal", raw: `{"kind":"Pod","x":tru}`},
	{name: "literal run on", raw: `{"kind":"Pod","x":truex}`},
	{name: "read literal run on", raw: `{"kind":"Pod","spec":{"hostNetwork":falsey}}`},
	{name: "literal cut short", raw: `{"kind":"Pod","x":nulx,"y":1}`},
	{name: "read literal cut short", raw: `{"kind":"Pod","spec":{"hostNetwork":trux,"nodeName":"n"}}`},
	{name: "null cut short", raw: `{"kind":"Pod","metadata":nul1,"spec":{}}`},
	{name: "capital literal", raw: `{"kind":"Pod","x":True}`},
	{name: "null run on", raw: `{"kind":"Pod","metadata":nulll}`},
	{name: "form feed as whitespace", raw: "{\"kind\":\"Pod\",\f\"x\":1}"},
	{name: "byte order mark", raw: "\xef\xbb\xbf{\"kind\":\"Pod\"}"},
	{name: "very deep nesting in a skipped member", raw: `{"kind":"Pod","x":` + strings.Repeat("[", maxScanDepth) + strings.Repeat("]", maxScanDepth) + `}`, valid: true},
	{name: "very deep objects in a skipped member", raw: `{"kind":"Pod","metadata":{"managedFields":` + strings.Repeat(`{"a":`, maxScanDepth) + `1` + strings.Repeat("}", maxScanDepth) + `}}`, valid: true},
}

// scanValid are items the cursor decodes, as json.Unmarshal does.
var scanValid = []string{
	"{\"kind\":\"Pod\", \"metadata\" :\t{\n\"name\"\r: \"a\" , \"labels\":{ \"k\" : \"v\" } } , \"x\" : [ 1 , { } , [ ] ] }\n\t\r ",
	`{"kind":"Pod","metadata":{"name":"q\"\\\/\b\f\n\r\t\u00e9\u20ac\ud83d\ude00","namespace":"caf\u00e9","annotations":{"a\"b":"{\"k\":\"v\"}"}}}`,
	`{"kind":"Pod","metadata":{"name":"é€😀","labels":{"ключ":"значение"}},"spec":{"containers":[{"name":"c","args":["ü","\u00fc"]}]}}`,
	`{"\u006bind":"Pod","metad\u0061ta":{"name":"a"},"x\u0000y":1}`,
	`{"kind":"Pod","x":1,"x":"two","x":{"x":1,"x":2},"metadata":{"name":"a","y":[],"y":{}}}`,
	`{"kind":"Pod","metadata":{"name":"a","managedFields":[{"manager":"kubectl","operation":"Update","time":"2024-01-01T00:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},"f:image":{}}}}}}]}}`,
	`{"kind":"Pod","x":[[[[{"a":[{"b":[]}]}]]]],"y":{"a":{"b":{"c":[null,true,false,"s",{}]}}}}`,
	`{"kind":"Pod","n":[0,-0,7,-7,10,1234567890,0.5,-0.5,10.25,1e5,1E5,1e+5,1e-5,1E+05,-1.5e-10,0e0,-0.0E-0,123456789012345678901234567890,1e999]}`,
	`{"kind":"Pod","spec":{"securityContext":{"runAsUser":0,"runAsGroup":-0,"fsGroup":1000,"supplementalGroups":[0,1,-2]}},"status":{"containerStatuses":[{"name":"c","restartCount":12}],"other":{"n":-1.5e+3}}}`,
	`{"kind":"Pod","t":true,"f":false,"z":null,"e":"","o":{},"a":[],"metadata":{"name":""}}`,
	`{"kind":"Pod","x":` + strings.Repeat("[", maxScanDepth-1) + strings.Repeat("]", maxScanDepth-1) + `}`,
	"{\"kind\":\"Pod\",\"x\":\"\x7f\"}",
	`{"kind":"Pod","metadata":null,"spec":{"containers":null,"os":null,"volumes":[{"name":"v","secret":null}]}}`,
}

func TestScanFallsBack(t *testing.T) {
	for _, tc := range scanInvalid {
		t.Run(tc.name, func(t *testing.T) {
			for _, opts := range []json.Options{itemOpts, strictOpts} {
				valid := tc.valid || tc.badUTF8 && opts == itemOpts
				var o kubeObject
				if decodeKubeFast([]byte(tc.raw), &o, opts) {
					t.Errorf("%q: decoded by hand, want a fall back", tc.raw)
				}
				var want kubeObject
				if err := json.Unmarshal([]byte(tc.raw), &want, opts); (err == nil) != valid {
					t.Errorf("%q: json.Unmarshal: %v; the case is wrongly marked", tc.raw, err)
				}
			}
		})
	}
}

func TestScanDecodes(t *testing.T) {
	for _, raw := range scanValid {
		for _, opts := range []json.Options{itemOpts, strictOpts} {
			var got kubeObject
			if !decodeKubeFast([]byte(raw), &got, opts) {
				t.Errorf("%q: fell back", raw)
				continue
			}
			var want kubeObject
			if err := json.Unmarshal([]byte(raw), &want, opts); err != nil {
				t.Errorf("%q: json.Unmarshal: %v", raw, err)
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%q: the fast decode gave\n%#v\njson.Unmarshal\n%#v", raw, got, want)
			}
		}
	}
}

// TestScanNeedsDuplicateNames: without AllowDuplicateNames the reflective
// decode rejects a name given twice, even in a member skipped, so the
// cursor, which does not track names, falls back.
func TestScanNeedsDuplicateNames(t *testing.T) {
	var o kubeObject
	if decodeKubeFast([]byte(`{"kind":"Pod"}`), &o, json.DefaultOptionsV2()) {
		t.Error("decoded by hand without AllowDuplicateNames")
	}
}

// TestScanStringsEveryOffset: scan.str reads eight bytes at a time, so
// each byte it must stop at ('"', '\\', a control character, a byte of
// 0x80 or more) is tried at every offset of a word, in a string read and
// one skipped, and near the item's end, where fewer than eight are left.
func TestScanStringsEveryOffset(t *testing.T) {
	specials := []string{`\"`, `\\`, `\u00e9`, "\x00", "\x01", "\x1f", "\x7f", "é", "😀", "\x80", "\xff", "\xc3", `\ud800`, `\`}
	for n := range 20 {
		for p := 0; p <= n; p++ {
			for _, sp := range append(specials, "") {
				v := strings.Repeat("a", p) + sp + strings.Repeat("z", n-p) // a lone backslash escapes z: invalid
				for _, raw := range []string{
					`{"kind":"Pod","metadata":{"name":"` + v + `"}}`,
					`{"kind":"Pod","x":"` + v + `","metadata":{"namespace":"n"}}`,
					`{"kind":"Pod","x":"` + v + `"}`,
					`{"kind":"Pod","` + v + `":1}`,
				} {
					fast := checkFastEquivalent(t, []byte(raw))
					plain := sp == "" || sp == "\x7f" || sp[0] == '\\' && sp != `\ud800` && sp != `\` || sp == "é" || sp == "😀"
					if fast != plain {
						t.Errorf("%q: decoded by hand %v, want %v", raw, fast, plain)
					}
				}
			}
		}
	}
}
