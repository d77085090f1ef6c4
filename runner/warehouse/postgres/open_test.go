package postgres

import (
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPoolConfigKeepsOddValues(t *testing.T) {
	const password = `p@ss:w/o?rd&x=y 'q' "d" \b %41`
	cfg, err := poolConfig(Config{Host: "db.example.com", Port: 6543, User: "us er@x", Password: password,
		DBName: "my db/x?y", SSLMode: "disable", ApplicationName: "kiln test", MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	cc := cfg.ConnConfig
	if cc.Host != "db.example.com" || cc.Port != 6543 || cc.User != "us er@x" || cc.Database != "my db/x?y" ||
		cc.Password != password || cc.TLSConfig != nil || cfg.MaxConns != 3 ||
		cc.RuntimeParams["application_name"] != "kiln test" {
		t.Errorf("config: host=%q port=%d user=%q db=%q password ok=%v tls=%v max=%d app=%q",
			cc.Host, cc.Port, cc.User, cc.Database, cc.Password == password, cc.TLSConfig != nil, cfg.MaxConns,
			cc.RuntimeParams["application_name"])
	}
	if cc.BuildContextWatcherHandler == nil {
		t.Error("no context watcher handler")
	}
	if _, err := poolConfig(Config{SSLMode: "sometimes"}); err == nil {
		t.Error("bad sslmode accepted")
	}
}

func TestOpenErrorHidesPassword(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close() // nothing listens there now
	const password = "s3cr3t-p@ss"
	_, err = Open(context.Background(), Config{Host: "127.0.0.1", Port: port, User: "u", Password: password,
		DBName: "d", SSLMode: "disable", ConnectTimeout: 2 * time.Second})
	if err == nil {
		t.Fatal("Open succeeded against a closed port")
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestServerVersionPingAndApplicationName(t *testing.T) {
	ctx := context.Background()
	if err := testWH.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	v, err := testWH.ServerVersion(ctx)
	if err != nil || !regexp.MustCompile(`^\d+\.\d+`).MatchString(v) {
		t.Errorf("ServerVersion = %q, %v", v, err)
	}
	var app string
	if err := testWH.pool.QueryRow(ctx, "select current_setting('application_name')").Scan(&app); err != nil || app != "kiln" {
		t.Errorf("application_name = %q, %v", app, err)
	}
}
