package ps

import (
	"crypto/rand"
	"fmt"
	"strings"
)

var authMechanisms = []string{"Default", "Basic", "Negotiate", "NegotiateWithImplicitCredential", "Credssp", "Digest", "Kerberos"}

func sessionBuiltins(psv2 bool) []*builtin {
	remove := []ParamSpec{
		param("Session", "PSSession[]").at(0).pipe().in("Session").mandatory(),
		param("Id", "Int32[]").at(0).in("Id").mandatory(),
		param("Name", "String[]").in("Name").mandatory(),
		param("ComputerName", "String[]").in("ComputerName").mandatory().alias("Cn"),
		param("InstanceId", "Guid[]").in("InstanceId").mandatory(),
		param("WhatIf", "SwitchParameter"),
		param("Confirm", "SwitchParameter"),
	}
	return []*builtin{
		{name: "New-PSSession", defaultSet: "ComputerName", params: []ParamSpec{
			param("ComputerName", "String[]").at(0).in("ComputerName").alias("Cn"),
			param("ConnectionUri", "Uri[]").at(0).in("Uri").alias("URI", "CU").mandatory(),
			param("Session", "PSSession[]").at(0).in("Session"),
			param("ConfigurationName", "String"),
			param("Credential", "PSCredential"),
			param("Authentication", "System.Management.Automation.Runspaces.AuthenticationMechanism").enum(authMechanisms...),
			param("Name", "String[]"),
			param("Port", "Int32").in("ComputerName"),
			param("UseSSL", "SwitchParameter").in("ComputerName"),
			param("ApplicationName", "String").in("ComputerName"),
			param("AllowRedirection", "SwitchParameter").in("Uri"),
			param("SessionOption", "PSSessionOption"),
			param("CertificateThumbprint", "String"),
			param("ThrottleLimit", "Int32"),
			param("EnableNetworkAccess", "SwitchParameter"),
		}, run: runNewPSSession},
		{name: "Import-PSSession", params: []ParamSpec{
			param("Session", "PSSession").at(0).mandatory(),
			param("CommandName", "String[]").at(1).alias("Name"),
			param("FormatTypeName", "String[]").at(2),
			param("Prefix", "String"),
			param("DisableNameChecking", "SwitchParameter"),
			param("AllowClobber", "SwitchParameter"),
			param("ArgumentList", "Object[]").alias("Args"),
			param("CommandType", "CommandTypes").alias("Type"),
			param("Module", "String[]").alias("PSSnapin"),
			param("Certificate", "X509Certificate2"),
		}, run: runImportPSSession},
		{name: "Remove-PSSession", defaultSet: "Id", params: remove, run: runRemovePSSession},
		{name: "Get-PSSession", params: []ParamSpec{
			param("Name", "String[]"),
			param("Id", "Int32[]").at(0),
		}, run: runGetPSSession},
		{name: "Add-PSSnapin", params: []ParamSpec{
			param("Name", "String[]").at(0).mandatory(),
			param("PassThru", "SwitchParameter"),
		}, run: runAddPSSnapin},
	}
}

func runNewPSSession(in *interp, c *Call) ([]any, error) {
	if in.host.Modules == nil {
		return nil, &ErrorRecord{Message: notSupportedMsg("New-PSSession on this host"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
	}
	s, err := in.host.Modules.NewPSSession(c)
	if err != nil {
		return nil, err
	}
	in.nextID++
	if s.ID == 0 {
		s.ID = in.nextID
	}
	if s.Name == "" {
		if names := stringList(c.Args["Name"]); len(names) > 0 {
			s.Name = names[0]
		} else if in.psv2 {
			s.Name = fmt.Sprintf("Session%d", s.ID)
		} else {
			s.Name = fmt.Sprintf("WinRM%d", s.ID)
		}
	}
	if s.State == "" {
		s.State = "Opened"
	}
	in.sessions = append(in.sessions, s)
	return []any{s}, nil
}

// moduleInfo is the PSModuleInfo Import-PSSession returns.
type moduleInfo struct {
	name     string
	commands []string
	session  *RemoteSession
}

func (m *moduleInfo) String() string { return m.name }

func (m *moduleInfo) object() *Object {
	cmds := &Collection{TypeName: "System.Collections.Generic.Dictionary`2[System.String,System.Management.Automation.CommandInfo]"}
	for _, n := range m.commands {
		cmds.Items = append(cmds.Items, n)
	}
	return &Object{TypeNames: []string{"System.Management.Automation.PSModuleInfo", "System.Object"}, Text: m.name, Props: []*Property{
		{Name: "Name", Value: m.name, TypeOfValue: "System.String"},
		{Name: "Path", Value: `C:\Users\` + "" + m.name, TypeOfValue: "System.String"},
		{Name: "Description", Value: "Implicit remoting for " + m.session.ComputerName, TypeOfValue: "System.String"},
		{Name: "ModuleType", Value: "Script", TypeOfValue: "System.Management.Automation.ModuleType"},
		{Name: "Version", Value: "1.0", TypeOfValue: "System.Version"},
		{Name: "ExportedCommands", Value: cmds, TypeOfValue: cmds.TypeName},
	}}
}

// tempModuleName is the name Import-PSSession gives its module:
// tmp_ + Path.GetRandomFileName() in 5.1, tmp_ + a GUID in 2.0.
func tempModuleName(psv2 bool) string {
	b := make([]byte, 16)
	rand.Read(b)
	if psv2 {
		return fmt.Sprintf("tmp_%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyz012345"
	var s strings.Builder
	for i := 0; i < 11; i++ {
		if i == 8 {
			s.WriteByte('.')
		}
		s.WriteByte(alphabet[int(b[i])%len(alphabet)])
	}
	return "tmp_" + s.String()
}

func runImportPSSession(in *interp, c *Call) ([]any, error) {
	if err := refuse(c, "Prefix", "ArgumentList", "CommandType", "Module", "Certificate", "FormatTypeName"); err != nil {
		return nil, err
	}
	s, _ := c.Args["Session"].(*RemoteSession)
	if in.host.Modules == nil || s == nil {
		return nil, &ErrorRecord{Message: notSupportedMsg("Import-PSSession on this host"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
	}
	cmds, err := in.host.Modules.ImportPSSession(s, stringList(c.Args["CommandName"]))
	if err != nil {
		return nil, err
	}
	m := &moduleInfo{name: tempModuleName(in.psv2), session: s}
	for _, cmd := range cmds {
		key := strings.ToLower(cmd.Name())
		if _, exists := in.cmds[key]; exists && !boolArg(c, "AllowClobber") {
			continue // a local command of that name is not shadowed
		}
		in.cmds[key] = cmd
		m.commands = append(m.commands, cmd.Name())
	}
	return []any{m}, nil
}

func runRemovePSSession(in *interp, c *Call) ([]any, error) {
	var targets []*RemoteSession
	for _, v := range enumerate(c.Args["Session"]) {
		if s, ok := v.(*RemoteSession); ok {
			targets = append(targets, s)
		}
	}
	ids := map[int]bool{}
	for _, v := range enumerate(c.Args["Id"]) {
		if n, msg := toInt32(v); msg == "" {
			ids[n] = true
		}
	}
	names := stringList(c.Args["Name"])
	for _, s := range in.sessions {
		if ids[s.ID] || contains(names, s.Name) {
			targets = append(targets, s)
		}
	}
	if boolArg(c, "WhatIf") {
		for _, s := range targets {
			in.stdout.line(fmt.Sprintf(`What if: Performing the operation "Remove" on target "%s (Id: %d)".`, s.Name, s.ID))
		}
		return nil, nil
	}
	for _, s := range targets {
		if in.host.Modules != nil {
			if err := in.host.Modules.RemovePSSession(s); err != nil {
				c.WriteError(asErrorRecord(err))
				continue
			}
		}
		s.State = "Closed"
		for i, o := range in.sessions {
			if o == s {
				in.sessions = append(in.sessions[:i], in.sessions[i+1:]...)
				break
			}
		}
	}
	return nil, nil
}

func asErrorRecord(err error) *ErrorRecord {
	if r, ok := err.(*ErrorRecord); ok {
		return r
	}
	return &ErrorRecord{Message: err.Error(), Category: "NotSpecified", Reason: "Exception", FullyQualifiedErrorId: "System.Exception"}
}

func runGetPSSession(in *interp, c *Call) ([]any, error) {
	names := stringList(c.Args["Name"])
	var out []any
	for _, s := range in.sessions {
		if len(names) > 0 && !contains(names, s.Name) {
			continue
		}
		if c.Has("Id") {
			match := false
			for _, v := range enumerate(c.Args["Id"]) {
				if n, msg := toInt32(v); msg == "" && n == s.ID {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func runAddPSSnapin(in *interp, c *Call) ([]any, error) {
	for _, name := range stringList(c.Args["Name"]) {
		var cmds []Command
		var err error
		if in.host.Modules != nil {
			cmds, err = in.host.Modules.AddPSSnapin(name)
		} else {
			err = &ErrorRecord{Message: fmt.Sprintf("The Windows PowerShell snap-in '%s' is not installed on this computer.", name),
				Category: "InvalidArgument", Reason: "PSArgumentException", TargetName: name, TargetType: "String",
				FullyQualifiedErrorId: "AddPSSnapInRead,Microsoft.PowerShell.Commands.AddPSSnapinCommand"}
		}
		if err != nil {
			c.WriteError(asErrorRecord(err))
			continue
		}
		for _, cmd := range cmds {
			in.cmds[strings.ToLower(cmd.Name())] = cmd
		}
	}
	return nil, nil
}
