package ps

import (
	"errors"
	"strings"
)

// runTry runs try { } catch { } finally { } as PowerShell does: a
// terminating error in the try block (throw, a statement-terminating error,
// a cmdlet error that -ErrorAction Stop or $ErrorActionPreference = 'Stop'
// made terminating) runs the first catch block with $_ set to its
// ErrorRecord; non-terminating errors are written and the try block goes
// on. The finally block always runs, also after exit and after an error
// the catch block raised, which then propagates (an error raised in the
// finally block replaces it). When the process is being stopped (the WinRM
// command terminated) nothing more runs, as when Windows ends the process.
// See about_Try_Catch_Finally:
// https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_try_catch_finally
func (in *interp) runTry(t *tryStmt, sc *scope, sink func(any)) error {
	in.tryDepth++
	err := in.runStatements(t.body, sc, sink)
	in.tryDepth--
	if err == errStopped {
		return err
	}
	if rec := catchable(err); rec != nil && len(t.catches) > 0 {
		err = in.runCatch(t.catches[0], rec, sc, sink)
		if err == errStopped {
			return err
		}
	}
	if t.hasFinally {
		failed, lastOK := in.failed, in.lastOK
		if ferr := in.runStatements(t.finally, sc, sink); ferr != nil {
			return ferr
		}
		in.failed, in.lastOK = failed, lastOK
	}
	if err == nil {
		in.lastOK = !in.failed
	}
	return err
}

// catchable returns the error record of a terminating error a catch block
// handles; exit and stops are not errors.
func catchable(err error) *ErrorRecord {
	var st *stmtTerm
	var sct *scriptTerm
	switch {
	case errors.As(err, &st):
		return st.rec
	case errors.As(err, &sct):
		return sct.rec
	}
	return nil
}

// runCatch runs a catch block with $_ (and $PSItem from 3.0) set to rec.
func (in *interp) runCatch(c catchClause, rec *ErrorRecord, sc *scope, sink func(any)) error {
	names := []string{"_"}
	if !in.psv2 {
		names = append(names, "PSItem")
	}
	saved := make([]any, len(names))
	had := make([]bool, len(names))
	for i, n := range names {
		saved[i], had[i] = sc.vars[strings.ToLower(n)]
		sc.set(n, rec)
	}
	prev := in.caught
	in.caught = rec
	in.failed = false
	err := in.runStatements(c.body, sc, sink)
	in.caught = prev
	for i, n := range names {
		if had[i] {
			sc.set(n, saved[i])
		} else {
			delete(sc.vars, strings.ToLower(n))
		}
	}
	return err
}

// exceptionValue is $_.Exception: the .NET exception of an error record.
type exceptionValue struct{ rec *ErrorRecord }

// message is Exception.Message. Windows PowerShell 2.0 catches the
// ActionPreferenceStopException that -ErrorAction Stop raises, whose
// message starts with the preference sentence; 3.0 and later hand the
// catch block the original error.
func (e *exceptionValue) message(psv2 bool) string {
	if psv2 && e.rec.stopped {
		return `Command execution stopped because the preference variable "ErrorActionPreference" or common parameter is set to Stop: ` + e.rec.Message
	}
	return e.rec.Message
}

// typeName is the exception's full .NET type name.
func (e *exceptionValue) typeName(psv2 bool) string {
	if psv2 && e.rec.stopped {
		return "System.Management.Automation.ActionPreferenceStopException"
	}
	if e.rec.ExceptionType != "" {
		return e.rec.ExceptionType
	}
	if e.rec.Reason != "" {
		if strings.Contains(e.rec.Reason, ".") {
			return e.rec.Reason
		}
		return "System.Management.Automation." + e.rec.Reason
	}
	return "System.Management.Automation.RuntimeException"
}

func (e *exceptionValue) String() string { return e.rec.Message }

// errorRecordMember reads the ErrorRecord members scripts use in catch
// blocks: Exception, FullyQualifiedErrorId, CategoryInfo, TargetObject.
func (in *interp) errorRecordMember(rec *ErrorRecord, lname string) (any, bool) {
	switch lname {
	case "exception":
		return &exceptionValue{rec: rec}, true
	case "fullyqualifiederrorid":
		return rec.FullyQualifiedErrorId, true
	case "targetobject":
		if rec.TargetName == "" {
			return nil, true
		}
		return rec.TargetName, true
	case "categoryinfo":
		return &Object{TypeNames: []string{"System.Management.Automation.ErrorCategoryInfo", "System.Object"},
			Text: categoryInfo(rec, rec.activity), Props: []*Property{
				{Name: "Category", Value: defaultString(rec.Category, "NotSpecified"), TypeOfValue: "System.Management.Automation.ErrorCategory"},
				{Name: "Activity", Value: rec.activity, TypeOfValue: "System.String"},
				{Name: "Reason", Value: rec.Reason, TypeOfValue: "System.String"},
				{Name: "TargetName", Value: rec.TargetName, TypeOfValue: "System.String"},
				{Name: "TargetType", Value: rec.TargetType, TypeOfValue: "System.String"},
			}}, true
	}
	return nil, false
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
