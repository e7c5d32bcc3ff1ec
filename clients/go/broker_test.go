package ferry

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The scenario tests run against a real broker, started as a child process:
//
//	node <repo>/bin/ferry.js serve --host 127.0.0.1 --port 0 --data-dir <tmp> --ports-file <file>
//
// TestMain starts one shared broker; a scenario that restarts the broker
// starts its own. A broker that cannot start fails the tests that need it
// (run `npm run build` first): no test is skipped.

var (
	shared    *broker
	sharedErr error
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "ferry-go-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	shared, sharedErr = startBroker(filepath.Join(tmp, "data"), 0)
	if sharedErr != nil {
		fmt.Fprintf(os.Stderr, "ferry-go-test: the broker did not start: %v\n", sharedErr)
	}
	code := m.Run()
	if shared != nil {
		if err := shared.stop(syscall.SIGTERM); err != nil {
			fmt.Fprintf(os.Stderr, "ferry-go-test: stopping the broker: %v\n", err)
		}
	}
	return code
}

// needBroker returns the shared broker, or fails the test.
func needBroker(t *testing.T) *broker {
	t.Helper()
	if sharedErr != nil {
		brokerMissing(t, sharedErr)
	}
	return shared
}

func brokerMissing(t *testing.T, err error) {
	t.Helper()
	t.Fatalf("the broker did not start (run `npm run build` first): %v", err)
}

// repoRoot is the Ferry repository: FERRY_REPO, or two levels above this package.
func repoRoot(testing.TB) string { return repoRootPath() }

func repoRootPath() string {
	if r := os.Getenv("FERRY_REPO"); r != "" {
		return r
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// broker is a broker child process.
type broker struct {
	addr    string
	port    int
	dataDir string
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	waitErr error
	mu      sync.Mutex
}

// startBroker starts a broker on 127.0.0.1:port (0: any free port) with
// dataDir, and waits up to 20 s for its ports file.
func startBroker(dataDir string, port int) (*broker, error) {
	root := repoRootPath()
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node is not installed: %w", err)
	}
	bin := filepath.Join(root, "bin", "ferry.js")
	if _, err := os.Stat(filepath.Join(root, "dist", "cli", "main.js")); err != nil {
		return nil, fmt.Errorf("the broker is not built (run `npm run build` in %s): %w", root, err)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return nil, err
	}
	portsFile := dataDir + ".ports.json"
	logPath := dataDir + ".log"
	_ = os.Remove(portsFile)
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(node, bin, "serve", "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--data-dir", dataDir, "--ports-file", portsFile)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	b := &broker{dataDir: dataDir, cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		err := cmd.Wait()
		b.mu.Lock()
		b.waitErr = err
		b.mu.Unlock()
		close(b.exited)
	}()

	deadline := time.Now().Add(20 * time.Second)
	for {
		raw, err := os.ReadFile(portsFile)
		if err == nil {
			var ports struct {
				GRPC string `json:"grpc"`
			}
			if err := json.Unmarshal(raw, &ports); err != nil || ports.GRPC == "" {
				_ = b.stop(syscall.SIGKILL)
				return nil, fmt.Errorf("bad ports file %s: %q (%v)", portsFile, raw, err)
			}
			_, p, err := net.SplitHostPort(ports.GRPC)
			if err != nil {
				_ = b.stop(syscall.SIGKILL)
				return nil, fmt.Errorf("bad address in ports file %s: %w", portsFile, err)
			}
			b.addr = ports.GRPC
			b.port, _ = strconv.Atoi(p)
			return b, nil
		}
		select {
		case <-b.exited:
			return nil, fmt.Errorf("the broker exited before it was ready (%v); its log:\n%s", b.exitErr(), b.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = b.stop(syscall.SIGKILL)
			return nil, fmt.Errorf("no ports file %s after 20 s; the broker's log:\n%s", portsFile, b.logTail())
		}
	}
}

func (b *broker) exitErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.waitErr
}

// stop sends sig and waits up to 10 s for the exit, then kills the broker.
func (b *broker) stop(sig syscall.Signal) error {
	select {
	case <-b.exited:
		return nil
	default:
	}
	if err := b.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-b.exited:
		return nil
	case <-time.After(10 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
		return fmt.Errorf("the broker did not exit within 10 s of %v; killed", sig)
	}
}

// logTail is the end of the broker's output, for failure messages.
func (b *broker) logTail() string {
	raw, _ := os.ReadFile(b.logPath)
	const max = 4000
	if len(raw) > max {
		raw = raw[len(raw)-max:]
	}
	return string(raw)
}
