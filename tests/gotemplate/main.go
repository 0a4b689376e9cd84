// Executes each JSON string read from stdin as a Go text/template with no data, the way Helm's
// `tpl` does (missingkey=zero, then every "<no value>" deleted: helm/helm pkg/engine/engine.go),
// and prints a JSON list of {"out": ..., "err": ...}. Used by tests/generator/test_helm.py to
// hold the Python oracle (tests/helm_tpl.py) to the real text/template, when Go is installed.
package main

import (
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

type result struct {
	Out string `json:"out"`
	Err string `json:"err"`
}

func main() {
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		panic(err)
	}
	results := make([]result, 0, len(inputs))
	for _, text := range inputs {
		t, err := template.New("tpl").Option("missingkey=zero").Parse(text)
		if err != nil {
			results = append(results, result{Err: err.Error()})
			continue
		}
		var buf strings.Builder
		if err := t.Execute(&buf, nil); err != nil {
			results = append(results, result{Err: err.Error()})
			continue
		}
		results = append(results, result{Out: strings.ReplaceAll(buf.String(), "<no value>", "")})
	}
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		panic(err)
	}
}
