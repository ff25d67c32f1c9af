package runtime_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rampart/rampart/internal/runtime"
	"github.com/rampart/rampart/internal/security"
	"github.com/rampart/rampart/internal/store"
)

// buildRampart builds the rampart command into a temporary directory.
func buildRampart(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "rampart")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/rampart/rampart/cmd/rampart").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is a `rampart run` child process.
type process struct {
	cmd      *exec.Cmd
	addr     string
	password string // the generated admin password, if printed
	stderr   *bytes.Buffer
	done     chan struct{}
}

var listening = regexp.MustCompile(`^Rampart listening on http://(\S+)/$`)

// runRampart starts `rampart run APP` and waits until it listens.
func runRampart(t *testing.T, bin, app string) *process {
	t.Helper()
	p := &process{stderr: &bytes.Buffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(bin, "run", app, "--listen", "127.0.0.1:0", "--log-format", "json")
	p.cmd.Env = append(os.Environ(), "RAMPART_DB=", "RAMPART_MODE=", "RAMPART_LISTEN=")
	p.cmd.Stderr = p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	timeout := time.After(30 * time.Second)
	for p.addr == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				<-p.done
				t.Fatalf("rampart run ended before listening:\n%s", p.stderr)
			}
			if m := adminPassword.FindStringSubmatch(l); m != nil {
				p.password = m[1]
			} else if m := listening.FindStringSubmatch(l); m != nil {
				p.addr = m[1]
			}
		case <-timeout:
			t.Fatal("rampart run did not start listening within 30s")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return p
}

// signIn signs in over HTTP and returns the cookie and CSRF token.
func signIn(t *testing.T, addr, name, pw string) (*http.Cookie, string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": name, "password": pw})
	resp, err := http.Post("http://"+addr+"/api/v1/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct {
		CSRF string `json:"csrfToken"`
	}
	json.NewDecoder(resp.Body).Decode(&ans)
	for _, c := range resp.Cookies() {
		if c.Name == "rampart-session" && resp.StatusCode == 200 {
			return c, ans.CSRF
		}
	}
	t.Fatalf("sign-in as %s: %d", name, resp.StatusCode)
	return nil, ""
}

// TestCrashKeepsAnsweredCreates kills `rampart run` (SIGKILL) in the middle
// of a burst of creates from several clients and starts it again on the
// same SQLite store: every create that was answered 201 is there, and the
// store opens cleanly.
func TestCrashKeepsAnsweredCreates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary")
	}
	bin := buildRampart(t)
	app := exampleApp(t)
	p := runRampart(t, bin, app)
	if p.password == "" {
		t.Fatal("no admin password printed")
	}
	cookie, csrf := signIn(t, p.addr, "admin", p.password)

	const (
		clients    = 8
		killAfter  = 150  // answered creates before the kill
		maxPerConn = 1000 // bound on each client's requests
	)
	var (
		mu       sync.Mutex
		answered []string // ids of creates answered 201
		count    atomic.Int64
		kill     = make(chan struct{})
		once     sync.Once
	)
	transport := &http.Transport{MaxIdleConnsPerHost: clients}
	defer transport.CloseIdleConnections()
	httpc := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := range maxPerConn {
				body := fmt.Sprintf(`{"Description": "crash test %d/%d", "Amount": "%d.25"}`, c, i, i)
				req, _ := http.NewRequest("POST", "http://"+p.addr+"/api/v1/objects/Expenses.Expense", bytes.NewReader([]byte(body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Csrf-Token", csrf)
				req.AddCookie(cookie)
				resp, err := httpc.Do(req)
				if err != nil {
					return // the server is gone
				}
				data, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 201 {
					if err == nil {
						t.Errorf("create: %d %s", resp.StatusCode, data)
					}
					return
				}
				var obj struct {
					ID string `json:"id"`
				}
				if err := json.Unmarshal(data, &obj); err != nil || obj.ID == "" {
					t.Errorf("create answered 201 with %q", data)
					return
				}
				mu.Lock()
				answered = append(answered, obj.ID)
				mu.Unlock()
				if count.Add(1) == killAfter {
					once.Do(func() { close(kill) })
				}
			}
		})
	}
	select {
	case <-kill:
	case <-time.After(60 * time.Second):
		t.Fatalf("only %d creates answered in 60s", count.Load())
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	wg.Wait()
	mu.Lock()
	ids := answered
	mu.Unlock()
	t.Logf("%d creates answered 201 before and around the kill", len(ids))

	// Start again on the same store, over HTTP: every answered create is there.
	p2 := runRampart(t, bin, app)
	if p2.password != "" {
		t.Error("the restarted app generated a new admin password: the admin was lost")
	}
	cookie, _ = signIn(t, p2.addr, "admin", p.password)
	for _, id := range ids {
		req, _ := http.NewRequest("GET", "http://"+p2.addr+"/api/v1/objects/Expenses.Expense/"+id, nil)
		req.AddCookie(cookie)
		resp, err := httpc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("expense %s, answered 201 before the crash, is %d after it", id, resp.StatusCode)
		}
	}
	p2.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p2.done:
	case <-time.After(30 * time.Second):
		t.Fatal("the restarted app did not stop")
	}
	if code := p2.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("the restarted app exited %d:\n%s", code, p2.stderr)
	}

	// The store is consistent: integrity check, unique AutoNumbers, and
	// at least the answered creates.
	rt, err := runtime.OpenStore(context.Background(), runtime.Options{AppDir: app})
	if err != nil {
		t.Fatalf("the store does not open after the crash: %v", err)
	}
	defer rt.Close()
	ctx := context.Background()
	var check string
	var rows, numbers int
	err = rt.Store.Read(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRow(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT COUNT(*), COUNT(DISTINCT "Number") FROM "Expenses$Expense"`).Scan(&rows, &numbers)
	})
	if err != nil {
		t.Fatal(err)
	}
	if check != "ok" {
		t.Errorf("integrity_check: %s", check)
	}
	if rows < len(ids) || numbers != rows {
		t.Errorf("%d expenses with %d distinct numbers; %d were answered 201", rows, numbers, len(ids))
	}
	list, _, err := rt.Engine.List(ctx, security.System(), rt.App.Entity("Expenses.Expense"), security.ListOptions{Limit: 1})
	if err != nil || len(list) != 1 {
		t.Errorf("listing after the crash: %v", err)
	}
}
