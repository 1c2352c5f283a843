package framework

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binaries are the paths of the freshly built binaries.
type Binaries struct {
	Exreconcile string
	Exsim       string
}

// Build compiles cmd/exreconcile and cmd/exsim into dir, as `make build` does.
func Build(dir string) (Binaries, error) {
	root, err := ModuleRoot()
	if err != nil {
		return Binaries{}, err
	}
	b := Binaries{Exreconcile: filepath.Join(dir, "exreconcile"), Exsim: filepath.Join(dir, "exsim")}
	for out, pkg := range map[string]string{b.Exreconcile: "./cmd/exreconcile", b.Exsim: "./cmd/exsim"} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return Binaries{}, fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return b, nil
}

// ModuleRoot is the folder holding go.mod.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("not inside the module")
	}
	return filepath.Dir(gomod), nil
}

// Result is what one run of a binary did.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

// Run runs bin with args and env (added to a minimal environment) and stdin.
func Run(bin string, env []string, stdin string, args ...string) Result {
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "NO_COLOR=1"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
		se.WriteString(err.Error())
	}
	return Result{Stdout: so.String(), Stderr: se.String(), ExitCode: code}
}
