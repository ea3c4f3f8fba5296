package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// ReadFile reads a JSON config file (an object of PascalCase keys) as a
// layer from src. A missing file is reported with an error satisfying
// errors.Is(err, fs.ErrNotExist). An empty file is an empty layer.
func ReadFile(src Source) (Layer, error) {
	data, err := os.ReadFile(src.Path)
	if err != nil {
		return Layer{}, &Error{Source: src, Err: err}
	}
	values, err := ParseJSON(data)
	if err != nil {
		return Layer{}, &Error{Source: src, Err: err}
	}
	return Layer{Source: src, Values: values}, nil
}

// ParseJSON decodes a JSON object of settings. Syntax errors carry the
// line and column; a key given twice is an error. Numbers stay json.Number
// so that no setting accepts one by accident.
func ParseJSON(data []byte) (map[string]any, error) {
	values := map[string]any{}
	if len(bytes.TrimSpace(data)) == 0 {
		return values, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	fail := func(err error) error {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			// A Decoder counts offsets inside a value from the value's
			// start; a whole-input scan gives the offset in the file.
			var whole *json.SyntaxError
			// Its Offset counts the offending byte.
			if errors.As(json.Unmarshal(data, new(any)), &whole) {
				syn = whole
			}
			return fmt.Errorf("%s: invalid JSON: %v", position(data, syn.Offset-1), syn)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("%s: invalid JSON: unexpected end of file", position(data, int64(len(data))))
		}
		return fmt.Errorf("%s: invalid JSON: %v", position(data, dec.InputOffset()), err)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, fail(err)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("%s: the file must hold a JSON object such as {\"ServerURL\": \"https://...\"}", position(data, dec.InputOffset()))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fail(err)
		}
		key := tok.(string) // inside an object, Token returns keys as strings
		if _, dup := values[key]; dup {
			return nil, fmt.Errorf("%s: %s is set twice", position(data, dec.InputOffset()), key)
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fail(err)
		}
		values[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, fail(err)
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); err != io.EOF {
		junk := end + int64(len(data[end:])-len(bytes.TrimLeft(data[end:], " \t\r\n")))
		return nil, fmt.Errorf("%s: invalid JSON: data after the closing brace", position(data, junk))
	}
	return values, nil
}

// position turns a byte offset into "line L, col C" (1-based).
func position(data []byte, off int64) string {
	off = min(max(off, 0), int64(len(data)))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, col %d", line, col)
}
