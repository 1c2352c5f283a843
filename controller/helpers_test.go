package controller

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// The organisation every plan-level test plans for.
const testOrg = "work-com"

// entryOpts compares entries by what a reader of the plan sees: the typed
// calls behind Calls are checked through their redacted text.
var entryOpts = cmp.Options{cmpopts.IgnoreUnexported(Entry{}), cmpopts.EquateEmpty()}

// must returns v or panics: fixtures are constants, a parse error is a bug
// in the test.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func addressSpaces(ss ...string) []value.AddressSpace {
	out := make([]value.AddressSpace, 0, len(ss))
	for _, s := range ss {
		out = append(out, must(value.ParseAddressSpace(s)))
	}
	return out
}

func smartHosts(ss ...string) []value.SmartHost {
	out := make([]value.SmartHost, 0, len(ss))
	for _, s := range ss {
		out = append(out, must(value.ParseSmartHost(s)))
	}
	return out
}

func bindings(ss ...string) []value.IPBinding {
	out := make([]value.IPBinding, 0, len(ss))
	for _, s := range ss {
		out = append(out, must(value.ParseIPBinding(s)))
	}
	return out
}

func ipRanges(ss ...string) []value.IPRange {
	out := make([]value.IPRange, 0, len(ss))
	for _, s := range ss {
		out = append(out, must(value.ParseIPRange(s)))
	}
	return out
}

func byteSize(s string) value.ByteSize { return must(value.ParseByteSize(s)) }
