package server_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/config"
	"github.com/gongshi/gongshi/internal/netx"
	"github.com/gongshi/gongshi/internal/testenv"
)

// recordJSON is PenaltyRecord(n) as JSON with extra members spliced in raw,
// so that a test can send what encoding/json would never write.
func recordJSON(t *testing.T, n int, extra string) string {
	b, err := json.Marshal(testenv.PenaltyRecord(n))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "}") + extra + "}"
}

// TestWriteBodiesAreReadStrictly: nothing a client sends is dropped,
// replaced or passed on to PostgreSQL: every such body is a 4xx naming the
// field, and nothing is stored.
func TestWriteBodiesAreReadStrictly(t *testing.T) {
	f := newFixture(t)
	second := recordJSON(t, 2, "")
	for _, tc := range []struct {
		name, body string
		status     int
		index      int
		field      string
		message    string
	}{
		{"NUL", "[" + recordJSON(t, 1, `,"BZ":"a\u0000b"`) + "]", 422, 0, "BZ", "NUL (U+0000)"},
		{"duplicate key", "[" + second + "," + recordJSON(t, 3, `,"CF_NR_FK":"20"`) + "]", 422, 1, "CF_NR_FK", "[1].CF_NR_FK: the key is given twice"},
		{"invalid UTF-8", "[" + recordJSON(t, 1, ",\"BZ\":\"苏\xff\xfe州\"") + "]", 422, 0, "BZ", "not valid UTF-8"},
		{"lone surrogate", recordJSON(t, 1, `,"BZ":"\ud800"`), 422, 0, "BZ", "lone UTF-16 surrogate"},
		{"ten megabytes", recordJSON(t, 1, `,"BZ":"`+strings.Repeat("x", 10<<20)+`"`), 422, 0, "BZ", "at most 512 characters, got 10485760"},
		{"trailing data", recordJSON(t, 1, "") + " {}", 400, 0, "body", "unexpected data after the JSON value"},
	} {
		resp, b := f.do("POST", "/api/v1/admin/penalties", f.ingest, tc.body)
		e := decode[apiError](t, b)
		if resp.StatusCode != tc.status || len(e.Errors) == 0 {
			t.Errorf("%s: status %d, want %d: %.300s", tc.name, resp.StatusCode, tc.status, b)
			continue
		}
		fe := e.Errors[0]
		if fe.Index != tc.index || fe.Field != tc.field || !strings.Contains(fe.Message, tc.message) || len(b) > 2000 {
			t.Errorf("%s: %+v, want index %d, field %s, message containing %q (%d bytes)", tc.name, fe, tc.index, tc.field, tc.message, len(b))
		}
	}
	if n := f.count(`SELECT count(*) FROM penalties`); n != 0 {
		t.Errorf("refused bodies stored %d penalties", n)
	}

	resp, b := f.do("POST", "/api/v1/admin/penalties", f.ingest, "["+recordJSON(t, 1, "")+"]")
	if resp.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	id := decode[ingestResult](t, b).Results[0].ID
	path := fmt.Sprintf("/api/v1/admin/penalties/%d/withdraw", id)
	for _, tc := range []struct{ body, field, message string }{
		{`{"reason":"revoked","note":"a\u0000b"}`, "note", "NUL"},
		{`{"reason":"revoked","note":"` + strings.Repeat("注", 1001) + `"}`, "note", "at most 1000 characters, got 1001"},
		{`{"reason":"revoked","reason":"expired"}`, "reason", "given twice"},
		{`{"reason":"revoked","Note":"x"}`, "Note", "unknown field"},
	} {
		resp, b := f.do("POST", path, f.ingest, tc.body)
		e := decode[apiError](t, b)
		if resp.StatusCode != 422 || len(e.Errors) == 0 || e.Errors[0].Field != tc.field || !strings.Contains(e.Errors[0].Message, tc.message) {
			t.Errorf("withdraw %.60s: %d %.300s", tc.body, resp.StatusCode, b)
		}
	}
	if n := f.count(`SELECT count(*) FROM penalties WHERE status = 'withdrawn'`); n != 0 {
		t.Errorf("%d withdrawn by refused bodies", n)
	}

	items, err := json.Marshal(testenv.PowerItems(1))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ body, field, message string }{
		{`{"note":"` + strings.Repeat("注", 1001) + `","items":` + string(items) + `}`, "note", "at most 1000 characters"},
		{`{"note":"a","note":"b","items":` + string(items) + `}`, "note", "given twice"},
		{`{"items":` + strings.Replace(string(items), `"unit":`, `"unit":"a", "unit":`, 1) + `}`, "items[0].unit", "given twice"},
	} {
		resp, b := f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, tc.body)
		e := decode[apiError](t, b)
		if resp.StatusCode != 422 || len(e.Errors) == 0 || e.Errors[0].Field != tc.field || !strings.Contains(e.Errors[0].Message, tc.message) {
			t.Errorf("publish %.80s: %d %.300s", tc.body, resp.StatusCode, b)
		}
	}
	name := strings.Replace(string(items), `"name":"`, `"name":"\u0000`, 1)
	resp, b = f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, `{"items":`+name+`}`)
	if e := decode[apiError](t, b); resp.StatusCode != 422 || len(e.Errors) != 1 || e.Errors[0].Field != "name" || e.Errors[0].Index != 0 {
		t.Errorf("publish with a NUL in a name: %d %.300s", resp.StatusCode, b)
	}
	if n := f.count(`SELECT count(*) FROM list_versions`); n != 0 {
		t.Errorf("refused lists published %d versions", n)
	}
}

// TestWritesTakeOnlyJSON: a write whose body is not declared as JSON — no
// Content-Type, text, a form, multipart, XML, another charset — is a 415
// naming the header, and nothing is stored; application/json, with or
// without charset=utf-8, is read.
func TestWritesTakeOnlyJSON(t *testing.T) {
	f := newFixture(t)
	body := "[" + recordJSON(t, 1, "") + "]"
	send := func(method, path, contentType, body string) (*http.Response, []byte) {
		req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Authorization", "Bearer "+f.ingest)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
		"application/xml", "application/json; charset=gbk", "application/json; foo=bar", "application/jsonx", "json"} {
		for _, path := range []string{"/api/v1/admin/penalties", "/api/v1/admin/penalties/1/withdraw"} {
			resp, b := send("POST", path, ct, body)
			e := decode[apiError](t, b)
			if resp.StatusCode != 415 || e.Code != "unsupported_media_type" || len(e.Errors) != 1 || e.Errors[0].Field != "Content-Type" {
				t.Errorf("POST %s with Content-Type %q: %d %.300s", path, ct, resp.StatusCode, b)
			}
		}
	}
	resp, b := send("PUT", "/api/v1/admin/lists/powers", "text/plain", "[]")
	if resp.StatusCode != 415 {
		t.Errorf("PUT list as text/plain: %d %.300s", resp.StatusCode, b)
	}
	if n := f.count(`SELECT count(*) FROM penalties`); n != 0 {
		t.Fatalf("refused bodies stored %d penalties", n)
	}
	for i, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON; Charset=\"UTF-8\""} {
		if resp, b := send("POST", "/api/v1/admin/penalties", ct, "["+recordJSON(t, 10+i, "")+"]"); resp.StatusCode != 200 {
			t.Errorf("POST with Content-Type %q: %d %.300s", ct, resp.StatusCode, b)
		}
	}
}

// TestSlowBodyIs408: a write whose body does not arrive within the read
// timeout is answered 408 naming the timeout, not 413 (its size is fine),
// and nothing is stored.
func TestSlowBodyIs408(t *testing.T) {
	f := newFixture(t)
	conns := config.Conns{ReadTimeout: 500 * time.Millisecond, WriteTimeout: 5 * time.Second, IdleTimeout: time.Minute}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netx.NewServer(f.srv.Config.Handler, conns)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	for _, path := range []string{"/api/v1/admin/penalties", "/api/v1/admin/penalties/1/withdraw", "/api/v1/admin/lists/powers"} {
		method := "POST"
		if strings.HasPrefix(path, "/api/v1/admin/lists/") {
			method = "PUT"
		}
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{", method, path, f.ingest)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s %s: no answer: %v", method, path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		conn.Close()
		if e := decode[apiError](t, b); resp.StatusCode != http.StatusRequestTimeout || e.Code != "request_timeout" {
			t.Errorf("%s %s with a stalled body: %d %.300s", method, path, resp.StatusCode, b)
		}
	}
	if n := f.count(`SELECT count(*) FROM penalties`); n != 0 {
		t.Errorf("stalled bodies stored %d penalties", n)
	}
}
