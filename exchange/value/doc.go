// Package value parses, prints and compares the values of Exchange transport
// settings: address spaces, IP bindings and ranges, byte sizes, time spans,
// flag sets, plain enumerations, SMTP domains and smart hosts.
//
// Every type accepts both the form an administrator writes in a manifest and
// every form Exchange prints it in (Format-List text, deserialised remote
// objects, integers for flag enums), prints a canonical form that Exchange
// accepts as cmdlet input, and compares by meaning rather than by text, so
// that `{smtp:canoe.com;1}` observed on the server equals `canoe.com` in a
// manifest and the reconciler reports no drift.
//
// The package is a leaf: it imports only the standard library, so both the
// API types (manifest validation) and the exchange package (parsing what the
// server prints) can use it.
package value
