package ps

import (
	"fmt"
	"strings"
)

// extent is a span of script text in rune offsets [start, end).
type extent struct{ start, end int }

func (e extent) ext() extent { return e }

// node is anything with a place in the script.
type node interface{ ext() extent }

// script is a parsed script: the unit that -Command, -EncodedCommand and
// [ScriptBlock]::Create produce.
type script struct {
	src   []rune
	stmts []node
}

// ScriptBlock is a System.Management.Automation.ScriptBlock: the value of
// [ScriptBlock]::Create, run with &.
type ScriptBlock struct {
	// Text is the script text; String() returns it as .NET does.
	Text   string
	parsed *script
}

// String returns the script text, as ScriptBlock.ToString() does.
func (b *ScriptBlock) String() string { return b.Text }

// Statements.
type (
	pipeline struct {
		extent
		elems []node // the first may be an expression, the others are *command
	}
	assignment struct {
		extent
		target node
		op     string // = or +=
		value  node   // a pipeline or another assignment
	}
	exitStmt struct {
		extent
		value node // nil: exit 0
	}
	throwStmt struct {
		extent
		value node // nil: ScriptHalted, or the caught error inside a catch block
	}
	// tryStmt is try { } catch { } finally { } (PowerShell 2.0 and later).
	tryStmt struct {
		extent
		body       []node
		catches    []catchClause
		finally    []node
		hasFinally bool
	}
)

// catchClause is one catch block; exsim's subset has untyped catches only.
type catchClause struct {
	extent
	body []node
}

// command is one command of a pipeline: a name and its arguments, or &
// followed by what to invoke.
type command struct {
	extent
	name    string
	invoke  node // set for & <expr>
	nameExt extent
	args    []cmdArg
}

// cmdArg is a -Parameter (with its :value when written so) or a value.
type cmdArg struct {
	param  string // without the dash; "" for a value
	colon  bool
	value  node
	ext    extent // the parameter token, or the value
	valExt extent
}

// Expressions.
type (
	constExpr struct {
		extent
		v any
	}
	expandExpr struct {
		extent
		parts []strPart
	}
	varExpr struct {
		extent
		scope, name string
	}
	arrayExpr struct { // a, b
		extent
		items []node
	}
	arraySubExpr struct { // @( )
		extent
		body []node
	}
	subExpr struct { // $( )
		extent
		body []node
	}
	parenExpr struct { // ( )
		extent
		body node
	}
	hashExpr struct {
		extent
		keys   []string
		values []node
	}
	typeExpr struct {
		extent
		name string
	}
	memberExpr struct {
		extent
		target node
		name   string
		static bool
	}
	invokeMemberExpr struct {
		extent
		target node
		name   string
		static bool
		args   []node
	}
	indexExpr struct {
		extent
		target, index node
	}
	binaryExpr struct {
		extent
		op          string
		left, right node
	}
	unaryExpr struct {
		extent
		op string
		x  node
	}
)

// ParseError is a PowerShell parse error: ParserStrings' message and error id
// and the span it concerns.
type ParseError struct {
	ErrorID string
	Message string
	// Start and End are rune offsets into the script.
	Start, End int
	// Incomplete marks errors caused by input ending too early (an
	// unterminated string or bracket). PowerShell reports those without a
	// position, and -Command - keeps reading lines while they occur.
	Incomplete bool
}

func (e *ParseError) Error() string { return e.Message }

// errNotSupported is the FullyQualifiedErrorId of everything outside the
// subset; the message names the construct.
const errNotSupported = "NotSupportedByExsim"

// notSupportedMsg words a refusal of something valid PowerShell that exsim
// does not run.
func notSupportedMsg(what string) string {
	if what == "" {
		return "This is not supported by exsim's PowerShell subset."
	}
	return strings.ToUpper(what[:1]) + what[1:] + " is not supported by exsim's PowerShell subset."
}

func keywordNotSupported(kw string) string {
	return notSupportedMsg(fmt.Sprintf("the '%s' statement", strings.ToLower(kw)))
}
