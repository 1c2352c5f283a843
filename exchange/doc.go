// Package exchange is everything exreconcile knows about Exchange and WinRM:
// the transport, the delivery of scripts, the scripts themselves, the
// parsing of what Exchange prints into typed values, and the classification
// of remote errors. It never imports the API types; the controller maps its
// objects onto the specs and observed structs here.
//
// One run, per server:
//
//	c, _ := exchange.NewClient(exchange.ConnectionConfig{...})  // one WinRS shell, reused
//	srv := exchange.NewServer(exchange.Target{...}, c)
//	obs, _ := srv.Observe(ctx, exchange.Reads{...})              // one WinRM command
//	call, _ := exchange.SetSendConnector(obs.Server.Version, ...) // typed builders
//	res, _ := srv.Apply(ctx, []exchange.CallGroup{{Calls: []exchange.Call{call}}}, reads)
//	// one WinRM command: the calls, then res.Observation (verify)
//	c.Close(ctx)
//
// Every command line is the same bootstrap (see CommandLine): the script
// travels on stdin as base64 of UTF-8, and secrets in a separate data frame
// the script reads as $secrets[N], so no secret is ever on a command line or
// in script text (Script Block Logging records the latter). Scripts are
// straight-line PowerShell 2.0 that exsim's subset also runs, with
// try/finally around the Exchange session and try/catch around each
// object's calls; values enter them only through quote.
//
// The Exchange version decides which snap-in an Edge (or SnapIn-mode)
// server loads and which parameters a call may pass. The first observation
// learns it from Get-ExchangeServer's AdminDisplayVersion, in the same one
// command: Mailbox servers load the cmdlets through the version-independent
// remote session, and on a snap-in server whose version is not known yet the
// observe script tries the 2013+ snap-in name and then the 2010 one, each
// with -ErrorAction SilentlyContinue (a straight-line script cannot branch;
// exactly one is installed). Server remembers the version for the apply
// scripts that follow, which load exactly one snap-in and are checked
// against params.tsv for that version.
//
// Output comes back framed by marker lines as base64: Export-Clixml
// documents through a remote session (ConvertTo-Xml through the snap-in); stderr's CLIXML is decoded into ErrorRecords and sorted by
// Classify. Parsers accept both shapes a multi-valued property can arrive in
// and enums as names or numbers, and list what they cannot read as
// PropertyErrors instead of guessing.
package exchange
