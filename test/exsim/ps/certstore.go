package ps

import (
	"fmt"
	"strings"
)

// The .NET X509Store API and the Cert: drive, as PowerShell 2.0 scripts
// use them to manage the Trusted Root store:
//
//	$st = New-Object System.Security.Cryptography.X509Certificates.X509Store -ArgumentList 'Root','LocalMachine'
//	$st.Open('ReadWrite'); $st.Add($c); $st.Remove($c); $st.Close()
//	$c = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2 -ArgumentList (,$bytes)
//	Get-ChildItem -Path 'Cert:\LocalMachine\Root'
//
// https://learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509store?view=netframework-4.8

const (
	typeX509Store = "System.Security.Cryptography.X509Certificates.X509Store"
	typeX509Cert2 = "System.Security.Cryptography.X509Certificates.X509Certificate2"
	typeOpenFlags = "System.Security.Cryptography.X509Certificates.OpenFlags"
)

var openFlagNames = []string{"ReadOnly", "ReadWrite", "MaxAllowed", "OpenExistingOnly", "IncludeArchived"}
var storeNames = []string{"AddressBook", "AuthRoot", "CertificateAuthority", "Disallowed", "My", "Root", "TrustedPeople", "TrustedPublisher"}

// x509Store is an X509Store object.
type x509Store struct {
	name, location string
	open, readOnly bool
}

func (s *x509Store) String() string { return typeX509Store }

// String is X509Certificate2.ToString(): the [Subject] ... [Thumbprint] blocks.
func (c *X509Certificate) String() string {
	if c.Raw == nil {
		return typeX509Cert2
	}
	return "[Subject]\r\n  " + c.Subject + "\r\n\r\n[Issuer]\r\n  " + c.Issuer + "\r\n\r\n[Serial Number]\r\n  " + c.SerialNumber +
		"\r\n\r\n[Not Before]\r\n  " + c.NotBefore.Text + "\r\n\r\n[Not After]\r\n  " + c.NotAfter.Text + "\r\n\r\n[Thumbprint]\r\n  " + c.Thumbprint + "\r\n"
}

// object is the certificate as a PSObject: the X509Certificate2
// properties (and the Cert: provider's notes for Get-ChildItem output).
func (c *X509Certificate) object() *Object {
	p := func(n string, v any, t string) *Property { return &Property{Name: n, Value: v, TypeOfValue: t} }
	o := &Object{TypeNames: []string{typeX509Cert2, "System.Security.Cryptography.X509Certificates.X509Certificate", "System.Object"},
		Text: c.String(), ListView: []string{"Subject", "Issuer", "Thumbprint", "FriendlyName", "NotBefore", "NotAfter"},
		TableView: []TableColumn{{Label: "Thumbprint", Width: 41}, {Label: "Subject"}}}
	if c.PSParentPath != "" {
		o.Props = append(o.Props,
			p("PSPath", c.PSParentPath+`\`+c.Thumbprint, "System.String"),
			p("PSParentPath", c.PSParentPath, "System.String"),
			p("PSChildName", c.Thumbprint, "System.String"),
			p("PSIsContainer", false, "System.Boolean"))
	}
	var nb, na any
	if c.Raw != nil {
		nb, na = c.NotBefore, c.NotAfter
	}
	o.Props = append(o.Props,
		p("Archived", false, "System.Boolean"),
		p("FriendlyName", c.FriendlyName, "System.String"),
		p("NotAfter", na, "System.DateTime"),
		p("NotBefore", nb, "System.DateTime"),
		p("HasPrivateKey", c.HasPrivateKey, "System.Boolean"),
		p("SerialNumber", c.SerialNumber, "System.String"),
		p("Thumbprint", c.Thumbprint, "System.String"),
		p("Version", c.Version, "System.Int32"),
		p("Issuer", c.Issuer, "System.String"),
		p("Subject", c.Subject, "System.String"))
	return o
}

func (s *x509Store) object() *Object {
	return &Object{TypeNames: []string{typeX509Store, "System.Object"}, Text: typeX509Store, Props: []*Property{
		{Name: "Location", Value: s.location, TypeOfValue: "System.Security.Cryptography.X509Certificates.StoreLocation"},
		{Name: "Name", Value: s.name, TypeOfValue: "System.String"},
	}}
}

// canonicalX509Type names the X509 types New-Object creates ("" else).
func canonicalX509Type(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	n = strings.TrimPrefix(n, "system.")
	switch n {
	case "security.cryptography.x509certificates.x509store":
		return typeX509Store
	case "security.cryptography.x509certificates.x509certificate2":
		return typeX509Cert2
	}
	return ""
}

func ctorError(msg string) *ErrorRecord {
	return &ErrorRecord{Message: msg, Category: "InvalidOperation", Reason: "MethodException",
		FullyQualifiedErrorId: "ConstructorInvokedThrowException,Microsoft.PowerShell.Commands.NewObjectCommand", Terminating: true}
}

// newX509Object is New-Object of X509Store or X509Certificate2.
func (in *interp) newX509Object(typ string, c *Call) ([]any, error) {
	args := enumerate(c.Args["ArgumentList"])
	if !c.Has("ArgumentList") {
		args = nil
	}
	short := typ[strings.LastIndexByte(typ, '.')+1:]
	if typ == typeX509Store {
		// X509Store() is "MY" of CurrentUser; a string name is kept as
		// given (the X509Store(string, StoreLocation) overload).
		st := &x509Store{name: "MY", location: "CurrentUser"}
		if len(args) > 2 {
			return nil, ctorError(fmt.Sprintf(`Cannot find an overload for "%s" and the argument count: "%d".`, short, len(args)))
		}
		if len(args) >= 1 {
			st.name = toStringPS(args[0])
		}
		if len(args) == 2 {
			loc := toStringPS(args[1])
			switch strings.ToLower(strings.TrimSpace(loc)) {
			case "localmachine":
				st.location = "LocalMachine"
			case "currentuser":
				st.location = "CurrentUser"
			default:
				return nil, ctorError(fmt.Sprintf(`Cannot convert argument "storeLocation", with value: "%s", for "X509Store" to type "System.Security.Cryptography.X509Certificates.StoreLocation": "Cannot convert value "%s" to type "System.Security.Cryptography.X509Certificates.StoreLocation". Error: "Unable to match the identifier name %s to a valid enumerator name. Specify one of the following enumerator names and try again: CurrentUser, LocalMachine""`, loc, loc, loc))
			}
		}
		return []any{st}, nil
	}
	switch len(args) {
	case 0:
		return []any{&X509Certificate{}}, nil
	case 1:
		cert, err := in.loadCertificate(args[0])
		if err != nil {
			return nil, ctorError(fmt.Sprintf(`Exception calling ".ctor" with "1" argument(s): "%s"`, err.Error()))
		}
		return []any{cert}, nil
	}
	// A byte[] passed without the unary comma arrives as one argument per
	// byte (the ArgumentList is an Object[]).
	return nil, ctorError(fmt.Sprintf(`Cannot find an overload for "%s" and the argument count: "%d".`, short, len(args)))
}

// loadCertificate reads a certificate from bytes, or from the file a
// string names (the X509Certificate2(string fileName) overload).
func (in *interp) loadCertificate(v any) (*X509Certificate, error) {
	if in.host.CertStores == nil {
		return nil, fmt.Errorf("%s", notSupportedMsg("X509Certificate2 on this host"))
	}
	var data []byte
	switch x := v.(type) {
	case []byte:
		data = x
	case string:
		b, ok := in.fs.read(in.fs.full(x))
		if !ok {
			return nil, fmt.Errorf("The system cannot find the file specified.\r\n")
		}
		data = b
	case nil:
		return nil, fmt.Errorf("Value cannot be null.\r\nParameter name: rawData")
	default:
		if b, err := in.toBytes(v, "rawData", ".ctor", extent{}, in.global); err == nil {
			data = b
		} else {
			return nil, fmt.Errorf("Cannot find the requested object.\r\n")
		}
	}
	return in.host.CertStores.Parse(data)
}

// storeMethod runs X509Store's methods.
func (in *interp) storeMethod(st *x509Store, x *invokeMemberExpr, args []any, sc *scope) (any, bool, error) {
	name := strings.ToLower(x.name)
	argc := len(args)
	notOpen := func() error {
		return in.methodException(x.name, argc, "The X509 certificate store has not been opened.", "CryptographicException", x.extent, sc)
	}
	certArg := func() (*X509Certificate, error) {
		if argc != 1 {
			return nil, in.overloadError(x.name, argc, x.extent, sc)
		}
		if args[0] == nil {
			return nil, in.methodException(x.name, 1, "Value cannot be null.\r\nParameter name: certificate", "ArgumentNullException", x.extent, sc)
		}
		c, ok := args[0].(*X509Certificate)
		if !ok {
			return nil, in.argConversionError("certificate", args[0], x.name, typeX509Cert2,
				fmt.Sprintf(`Cannot convert the "%s" value of type "%s" to type "%s".`, toStringPS(args[0]), typeName(args[0]), typeX509Cert2), x.extent, sc)
		}
		return c, nil
	}
	switch name {
	case "open":
		if argc != 1 {
			return nil, true, in.overloadError(x.name, argc, x.extent, sc)
		}
		flags, ok := parseOpenFlags(args[0])
		if !ok {
			v := toStringPS(args[0])
			return nil, true, in.argConversionError("flags", args[0], x.name, typeOpenFlags,
				fmt.Sprintf(`Cannot convert value "%s" to type "%s". Error: "Unable to match the identifier name %s to a valid enumerator name. Specify one of the following enumerator names and try again: %s"`,
					v, typeOpenFlags, v, strings.Join(openFlagNames, ", ")), x.extent, sc)
		}
		if in.host.CertStores == nil {
			return nil, true, in.notSupported("X509Store on this host", x.extent, sc)
		}
		if _, ok := in.host.CertStores.List(st.location, st.name); !ok {
			return nil, true, in.notSupported(fmt.Sprintf("the %s\\%s certificate store", st.location, st.name), x.extent, sc)
		}
		st.open, st.readOnly = true, flags&3 == 0
		return nil, true, nil
	case "close":
		if argc != 0 {
			return nil, true, in.overloadError(x.name, argc, x.extent, sc)
		}
		st.open = false
		return nil, true, nil
	case "add", "remove":
		c, err := certArg()
		if err != nil {
			return nil, true, err
		}
		if !st.open {
			return nil, true, notOpen()
		}
		if c.Raw == nil {
			return nil, true, in.methodException(x.name, 1, "m_safeCertContext is an invalid handle.", "CryptographicException", x.extent, sc)
		}
		certs, _ := in.host.CertStores.List(st.location, st.name)
		present := false
		for _, have := range certs {
			present = present || have.Thumbprint == c.Thumbprint
		}
		if st.readOnly && (name == "add" || present) {
			// CertAddCertificateContextToStore / CertDeleteCertificateFromStore: ERROR_ACCESS_DENIED.
			return nil, true, in.methodException(x.name, 1, "Access is denied.\r\n", "CryptographicException", x.extent, sc)
		}
		var cerr error
		if name == "add" {
			cerr = in.host.CertStores.Add(st.location, st.name, c)
		} else {
			cerr = in.host.CertStores.Remove(st.location, st.name, c)
		}
		if cerr != nil {
			return nil, true, in.methodException(x.name, 1, cerr.Error(), "CryptographicException", x.extent, sc)
		}
		return nil, true, nil
	}
	return nil, false, nil
}

// parseOpenFlags converts an OpenFlags argument: names (comma-separated)
// or a number.
func parseOpenFlags(v any) (int, bool) {
	if n, ok := v.(int); ok {
		return n, n >= 0
	}
	flags := 0
	for _, part := range strings.Split(toStringPS(v), ",") {
		part = strings.TrimSpace(part)
		found := false
		for i, n := range openFlagNames {
			if strings.EqualFold(n, part) {
				found = true
				if i > 0 {
					flags |= 1 << (i - 1)
				}
			}
		}
		if !found {
			return 0, false
		}
	}
	return flags, true
}

// storeMember reads X509Store properties.
func (in *interp) storeMember(st *x509Store, lname string) any {
	switch lname {
	case "name":
		return st.name
	case "location":
		return st.location
	case "certificates":
		out := &Collection{TypeName: "System.Security.Cryptography.X509Certificates.X509Certificate2Collection"}
		if st.open && in.host.CertStores != nil {
			certs, _ := in.host.CertStores.List(st.location, st.name)
			for _, c := range certs {
				out.Items = append(out.Items, c)
			}
		}
		return out
	}
	return nil
}

// certImport is X509Certificate2.Import(byte[]) / Import(string).
func (in *interp) certMethod(c *X509Certificate, x *invokeMemberExpr, args []any, sc *scope) (any, bool, error) {
	if strings.ToLower(x.name) != "import" {
		return nil, false, nil
	}
	if len(args) != 1 {
		return nil, true, in.notSupported("X509Certificate2.Import with a password or flags", x.extent, sc)
	}
	loaded, err := in.loadCertificate(args[0])
	if err != nil {
		return nil, true, in.methodException(x.name, 1, err.Error(), "CryptographicException", x.extent, sc)
	}
	*c = *loaded
	return nil, true, nil
}

// certDrivePath reads a Cert: path: the store and an optional thumbprint.
func certDrivePath(p string) (location, store, thumb string, ok bool) {
	s := strings.ReplaceAll(strings.TrimSpace(p), "/", `\`)
	s = strings.TrimPrefix(s, `Microsoft.PowerShell.Security\Certificate::`)
	if len(s) < 5 || !strings.EqualFold(s[:5], "cert:") {
		return "", "", "", false
	}
	parts := strings.Split(strings.Trim(s[5:], `\`), `\`)
	if len(parts) < 2 || len(parts) > 3 {
		return "", "", "", false
	}
	switch strings.ToLower(parts[0]) {
	case "localmachine":
		location = "LocalMachine"
	case "currentuser":
		location = "CurrentUser"
	default:
		return "", "", "", false
	}
	store = parts[1]
	for _, n := range storeNames {
		if strings.EqualFold(n, store) {
			store = n
		}
	}
	if len(parts) == 3 {
		thumb = strings.ToUpper(parts[2])
	}
	return location, store, thumb, true
}

func getChildItemBuiltin() *builtin {
	return &builtin{name: "Get-ChildItem", defaultSet: "Items", params: []ParamSpec{
		param("Path", "String[]").at(0).in("Items").pipe(),
		param("LiteralPath", "String[]").in("LiteralItems").mandatory().alias("PSPath"),
		param("Filter", "String").at(1),
		param("Include", "String[]"),
		param("Exclude", "String[]"),
		param("Recurse", "SwitchParameter"),
		param("Force", "SwitchParameter"),
		param("Name", "SwitchParameter"),
	}, run: runGetChildItem}
}

// runGetChildItem lists a certificate store of the Cert: drive (the only
// drive exsim's Get-ChildItem reads).
func runGetChildItem(in *interp, c *Call) ([]any, error) {
	if err := refuse(c, "Filter", "Include", "Exclude", "Recurse", "Name"); err != nil {
		return nil, err
	}
	paths := stringList(c.Args["LiteralPath"])
	if !c.Has("LiteralPath") {
		paths = stringList(c.Args["Path"])
	}
	if len(paths) == 0 {
		return nil, &ErrorRecord{Message: notSupportedMsg("Get-ChildItem of the file system"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
	}
	var out []any
	for _, p := range paths {
		loc, store, thumb, ok := certDrivePath(p)
		if !ok || strings.ContainsAny(p, "*?[") {
			return nil, &ErrorRecord{Message: notSupportedMsg("Get-ChildItem of '" + p + "' (only Cert:\\LocalMachine\\<store>)"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
		}
		var certs []*X509Certificate
		if in.host.CertStores != nil {
			certs, ok = in.host.CertStores.List(loc, store)
		}
		if !ok {
			return nil, &ErrorRecord{Message: notSupportedMsg(fmt.Sprintf("the %s\\%s certificate store", loc, store)), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
		}
		parent := `Microsoft.PowerShell.Security\Certificate::` + loc + `\` + store
		found := false
		for _, cert := range certs {
			if thumb != "" && cert.Thumbprint != thumb {
				continue
			}
			found = true
			cp := *cert
			cp.PSParentPath = parent
			out = append(out, &cp)
		}
		if thumb != "" && !found {
			c.WriteError(&ErrorRecord{Message: fmt.Sprintf("Cannot find path '%s' because it does not exist.", p),
				Category: "ObjectNotFound", Reason: "ItemNotFoundException", ExceptionType: "System.Management.Automation.ItemNotFoundException",
				TargetName: p, TargetType: "String", FullyQualifiedErrorId: "PathNotFound,Microsoft.PowerShell.Commands.GetChildItemCommand"})
		}
	}
	return out, nil
}
