package ps

import (
	"fmt"
	"sort"
	"strings"
)

// fileSystem is the process's view of the disk: an in-memory store that
// lives as long as the powershell.exe process (one WinRM command). It
// holds the user's profile and temp folders, and the files a script
// creates there ([IO.Path]::GetTempFileName(), Export-Clixml).
type fileSystem struct {
	profile string            // C:\Users\<user>
	files   map[string][]byte // keyed by lower-case full path
	names   map[string]string // lower-case path -> path as created
	next    int
}

func newFileSystem(userName string) *fileSystem {
	user := userName
	if i := strings.LastIndexByte(user, '\\'); i >= 0 {
		user = user[i+1:]
	}
	if i := strings.IndexByte(user, '@'); i >= 0 {
		user = user[:i]
	}
	if user == "" {
		user = "Administrator"
	}
	// The counter starts where GetTickCount would have it: anywhere.
	return &fileSystem{profile: `C:\Users\` + user, files: map[string][]byte{}, names: map[string]string{}, next: 0x3A7C}
}

// tempDir is %TEMP% of a WinRM logon: the profile's AppData\Local\Temp.
func (fs *fileSystem) tempDir() string { return fs.profile + `\AppData\Local\Temp` }

// dirs are the folders that exist.
func (fs *fileSystem) dirExists(dir string) bool {
	d := strings.ToLower(strings.TrimRight(dir, `\`))
	for _, known := range []string{`c:`, `c:\users`, strings.ToLower(fs.profile), strings.ToLower(fs.profile + `\AppData`),
		strings.ToLower(fs.profile + `\AppData\Local`), strings.ToLower(fs.tempDir()), strings.ToLower(fs.profile + `\Documents`)} {
		if d == known {
			return true
		}
	}
	return false
}

// full resolves a path against the current location (the profile folder,
// where a WinRS process starts); forward slashes are separators too.
func (fs *fileSystem) full(path string) string {
	p := strings.ReplaceAll(strings.TrimSpace(path), "/", `\`)
	p = strings.TrimPrefix(p, `Microsoft.PowerShell.Core\FileSystem::`)
	switch {
	case len(p) >= 2 && p[1] == ':':
		if len(p) == 2 || p[2] != '\\' {
			p = p[:2] + `\` + p[2:]
		}
		p = strings.ToUpper(p[:1]) + p[1:]
	case strings.HasPrefix(p, `\`):
		p = "C:" + p
	default:
		p = fs.profile + `\` + strings.TrimPrefix(p, `.\`)
	}
	return p
}

func dirOf(path string) string {
	if i := strings.LastIndexByte(path, '\\'); i >= 0 {
		return path[:i]
	}
	return ""
}

// tempFileName is Path.GetTempFileName(): Win32 GetTempFileName with the
// prefix "tmp" creates an empty file named tmp<hex>.tmp in %TEMP%.
// https://learn.microsoft.com/windows/win32/api/fileapi/nf-fileapi-gettempfilenamew
func (fs *fileSystem) tempFileName() string {
	for {
		fs.next = (fs.next + 1) & 0xFFFF
		if fs.next == 0 {
			continue
		}
		p := fmt.Sprintf(`%s\tmp%X.tmp`, fs.tempDir(), fs.next)
		if _, exists := fs.files[strings.ToLower(p)]; !exists {
			fs.write(p, nil)
			return p
		}
	}
}

func (fs *fileSystem) write(path string, data []byte) {
	k := strings.ToLower(path)
	fs.files[k] = append([]byte{}, data...)
	if _, ok := fs.names[k]; !ok {
		fs.names[k] = path
	}
}

func (fs *fileSystem) read(path string) ([]byte, bool) {
	b, ok := fs.files[strings.ToLower(path)]
	return b, ok
}

func (fs *fileSystem) exists(path string) bool {
	_, ok := fs.files[strings.ToLower(path)]
	return ok
}

func (fs *fileSystem) remove(path string) bool {
	k := strings.ToLower(path)
	if _, ok := fs.files[k]; !ok {
		return false
	}
	delete(fs.files, k)
	delete(fs.names, k)
	return true
}

// list returns the files in creation-independent (sorted) order, for tests.
func (fs *fileSystem) list() []string {
	var out []string
	for _, n := range fs.names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// errPathNotFound is .NET's DirectoryNotFoundException text.
func msgPathPartNotFound(path string) string {
	return fmt.Sprintf("Could not find a part of the path '%s'.", path)
}

// invokeFileStatic runs [IO.Path] and [IO.File] methods; handled is false
// for other types.
func (in *interp) invokeFileStatic(typ, name string, x *invokeMemberExpr, args []any, sc *scope) (any, bool, error) {
	fs := in.fs
	argc := len(args)
	pathArg := func(param string) (string, error) {
		if args[0] == nil {
			return "", in.methodException(x.name, argc, "Value cannot be null.\r\nParameter name: "+param, "ArgumentNullException", x.extent, sc)
		}
		p := toStringPS(args[0])
		if strings.TrimSpace(p) == "" {
			return "", in.methodException(x.name, argc, "The path is not of a legal form.", "ArgumentException", x.extent, sc)
		}
		return fs.full(p), nil
	}
	switch typ + "::" + name {
	case "path::gettempfilename":
		if argc != 0 {
			return nil, true, in.overloadError(x.name, argc, x.extent, sc)
		}
		return fs.tempFileName(), true, nil
	case "path::gettemppath":
		if argc != 0 {
			return nil, true, in.overloadError(x.name, argc, x.extent, sc)
		}
		return fs.tempDir() + `\`, true, nil
	case "file::readallbytes":
		if argc != 1 {
			return nil, true, in.overloadError(x.name, argc, x.extent, sc)
		}
		p, err := pathArg("path")
		if err != nil {
			return nil, true, err
		}
		b, ok := fs.read(p)
		if !ok {
			if !fs.dirExists(dirOf(p)) {
				return nil, true, in.methodException(x.name, 1, msgPathPartNotFound(p), "DirectoryNotFoundException", x.extent, sc)
			}
			return nil, true, in.methodException(x.name, 1, fmt.Sprintf("Could not find file '%s'.", p), "FileNotFoundException", x.extent, sc)
		}
		return append([]byte{}, b...), true, nil
	case "file::exists":
		if argc != 1 {
			return nil, true, in.overloadError(x.name, argc, x.extent, sc)
		}
		if args[0] == nil || strings.TrimSpace(toStringPS(args[0])) == "" {
			return false, true, nil
		}
		return fs.exists(fs.full(toStringPS(args[0]))), true, nil
	case "file::delete":
		if argc != 1 {
			return nil, true, in.overloadError(x.name, argc, x.extent, sc)
		}
		p, err := pathArg("path")
		if err != nil {
			return nil, true, err
		}
		if !fs.dirExists(dirOf(p)) {
			return nil, true, in.methodException(x.name, 1, msgPathPartNotFound(p), "DirectoryNotFoundException", x.extent, sc)
		}
		fs.remove(p) // File.Delete of a missing file is no error
		return nil, true, nil
	}
	return nil, false, nil
}

// runRemoveItem is Remove-Item for files of the process's file system
// (-Path without wildcards, -LiteralPath); the Cert: drive has its own.
func runRemoveItem(in *interp, c *Call) ([]any, error) {
	if err := refuse(c, "Filter", "Include", "Exclude", "Recurse", "Credential", "Stream"); err != nil {
		return nil, err
	}
	paths := stringList(c.Args["LiteralPath"])
	literal := c.Has("LiteralPath")
	if !literal {
		paths = stringList(c.Args["Path"])
	}
	for _, p := range paths {
		if !literal && strings.ContainsAny(p, "*?[") {
			return nil, &ErrorRecord{Message: notSupportedMsg("Remove-Item with a wildcard path"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
		}
		if strings.HasPrefix(strings.ToLower(p), "cert:") {
			return nil, &ErrorRecord{Message: notSupportedMsg("Remove-Item on the Cert: drive (use X509Store.Remove)"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
		}
		full := in.fs.full(p)
		if boolArg(c, "WhatIf") {
			in.stdout.line(fmt.Sprintf(`What if: Performing the operation "Remove File" on target "%s".`, full))
			continue
		}
		if !in.fs.remove(full) {
			c.WriteError(&ErrorRecord{Message: fmt.Sprintf("Cannot find path '%s' because it does not exist.", full),
				Category: "ObjectNotFound", Reason: "ItemNotFoundException", ExceptionType: "System.Management.Automation.ItemNotFoundException",
				TargetName: full, TargetType: "String", FullyQualifiedErrorId: "PathNotFound,Microsoft.PowerShell.Commands.RemoveItemCommand"})
		}
	}
	return nil, nil
}
