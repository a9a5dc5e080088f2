package deploy

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction of a build stage.
type instruction struct {
	cmd   string // FROM, RUN, …, upper case
	args  string // the rest, continuation lines joined
	stage int    // 0 for the first FROM
	line  int
}

// parseDockerfile splits a Dockerfile into instructions: comment lines
// (parser directives included) and blank lines dropped, lines ending in a
// backslash joined to the next. That is the whole syntax our Dockerfile
// uses; heredocs are refused rather than misread.
func parseDockerfile(t testing.TB, text string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	start, stage := 0, -1
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || trimmed == "" && cur.Len() == 0 {
			continue
		}
		if strings.Contains(trimmed, "<<") && cur.Len() == 0 && !strings.HasPrefix(strings.ToUpper(trimmed), "HEALTHCHECK") {
			t.Fatalf("Dockerfile:%d: heredocs are not understood by this test", i+1)
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if body, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{cmd: cmd, args: strings.Join(strings.Fields(args), " "), stage: stage, line: start})
		cur.Reset()
	}
	return out
}

// image is what the Dockerfile promises about the image it builds.
type image struct {
	user        string   // USER of the final stage, uid:gid
	port        string   // EXPOSE
	snapshotDir string   // VOLUME, and ENV PORTAL_SNAPSHOT_DIR
	entrypoint  []string // ENTRYPOINT (exec form)
	cmd         []string // CMD
	healthcheck string   // HEALTHCHECK, options and command
	env         map[string]string
	froms       []string          // the image of each FROM
	builds      map[string]string // `go build -o OUT ./pkg` of the build stage: package by OUT
	copied      map[string]string // COPY --from=… of the final stage: destination by source
	installed   []string          // apt-get install packages of the final stage
}

func loadImage(t testing.TB) image {
	t.Helper()
	ins := parseDockerfile(t, readFile(t, filepath.Join(root, "Dockerfile")))
	last := 0
	for _, in := range ins {
		last = max(last, in.stage)
	}
	img := image{env: map[string]string{}, builds: map[string]string{}, copied: map[string]string{}}
	goBuild := regexp.MustCompile(`go build [^&;]*?-o (\S+) (\./\S+)`)
	for _, in := range ins {
		if in.cmd == "FROM" {
			img.froms = append(img.froms, strings.Fields(in.args)[0])
		}
		for _, m := range goBuild.FindAllStringSubmatch(in.args, -1) {
			if in.cmd == "RUN" {
				img.builds[m[1]] = m[2]
			}
		}
		if in.stage != last {
			continue
		}
		switch in.cmd {
		case "USER":
			img.user = in.args
		case "EXPOSE":
			img.port = in.args
		case "VOLUME":
			img.snapshotDir = in.args
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				img.env[k] = v
			}
		case "ENTRYPOINT":
			img.entrypoint = execForm(t, in)
		case "CMD":
			img.cmd = execForm(t, in)
		case "HEALTHCHECK":
			img.healthcheck = in.args
		case "COPY":
			if f := strings.Fields(in.args); len(f) == 3 && strings.HasPrefix(f[0], "--from=") {
				img.copied[f[1]] = f[2]
			}
		case "RUN":
			if _, pkgs, ok := strings.Cut(in.args, "apt-get install"); ok {
				pkgs, _, _ = strings.Cut(pkgs, "&&")
				for _, w := range strings.Fields(pkgs) {
					if !strings.HasPrefix(w, "-") {
						img.installed = append(img.installed, w)
					}
				}
			}
		}
	}
	return img
}

func execForm(t testing.TB, in instruction) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(in.args), &v); err != nil {
		t.Fatalf("Dockerfile:%d: %s must be in exec form (a JSON array): %v", in.line, in.cmd, err)
	}
	return v
}

// TestDockerfile: the image builds the binary `make build` builds, runs it
// as the non-root user the pods use, exposes PORTAL_ADDR's port, declares
// the snapshot directory a volume and checks liveness like Kubernetes.
func TestDockerfile(t *testing.T) {
	img := loadImage(t)
	want := makeBuilds(t)
	built := map[string]string{} // package by the path of its binary in the image
	for out, pkg := range img.builds {
		if dst, ok := img.copied[out]; ok {
			built[dst] = pkg
		}
	}
	for name, pkg := range want {
		if n := slices.Collect(maps.Values(built)); !slices.Contains(n, pkg) {
			t.Errorf("make build builds %s (%s); the image has no binary of it (built and copied: %v)", name, pkg, built)
		}
	}
	if len(built) != len(want) {
		t.Errorf("the image has the binaries %v, make build builds %v", built, want)
	}
	if len(img.froms) != 2 || !strings.HasPrefix(img.froms[0], "golang:"+goMinor(t)+"-") {
		t.Errorf("want a golang:%s-… build stage and a run stage, got %v", goMinor(t), img.froms)
	}
	for _, from := range img.froms {
		if !pinned(strings.Fields(from)[0]) {
			t.Errorf("FROM %s is not pinned by a tag or digest", from)
		}
	}
	if len(img.entrypoint) != 1 || built[img.entrypoint[0]] != want["portal"] {
		t.Errorf("ENTRYPOINT %v should run the binary of %s (built and copied: %v)", img.entrypoint, want["portal"], built)
	}
	// The portal runs the flowchart command found beside its own binary.
	if len(img.entrypoint) == 1 {
		if fc := filepath.Join(filepath.Dir(img.entrypoint[0]), "flowchart"); built[fc] != want["flowchart"] || want["flowchart"] == "" {
			t.Errorf("the image has no flowchart command beside the portal at %s (built and copied: %v)", fc, built)
		}
	}
	if len(img.cmd) == 0 || img.cmd[0] != "serve" {
		t.Errorf("CMD %v: the default command is serve", img.cmd)
	}
	if img.user != "10001:10001" {
		t.Errorf("USER %q, want 10001:10001", img.user)
	}
	if img.env["PORTAL_ADDR"] != ":"+img.port {
		t.Errorf("ENV PORTAL_ADDR=%q but EXPOSE %s", img.env["PORTAL_ADDR"], img.port)
	}
	if img.snapshotDir == "" || img.env["PORTAL_SNAPSHOT_DIR"] != img.snapshotDir {
		t.Errorf("VOLUME %q but ENV PORTAL_SNAPSHOT_DIR=%q", img.snapshotDir, img.env["PORTAL_SNAPSHOT_DIR"])
	}
	src := loadSources(t)
	for k := range img.env {
		if !src.allowedVar(k) {
			t.Errorf("ENV %s is not read by internal/config", k)
		}
	}
	if !strings.Contains(img.healthcheck, livenessPath) || !strings.Contains(img.healthcheck, "--start-period=") {
		t.Errorf("HEALTHCHECK %q: want the liveness path %s and a start period (migrations run first)", img.healthcheck, livenessPath)
	}
	if !src.getRoutes[livenessPath] {
		t.Errorf("the server has no GET %s", livenessPath)
	}
	_, hc, _ := strings.Cut(img.healthcheck, "CMD ")
	if tool := strings.Fields(hc); len(tool) == 0 || !slices.Contains(img.installed, tool[0]) {
		t.Errorf("HEALTHCHECK runs %q, which the run stage does not install (%v)", hc, img.installed)
	}
}

func TestParseDockerfile(t *testing.T) {
	ins := parseDockerfile(t, "# syntax=docker/dockerfile:1\nFROM a:1 AS b\n\nRUN x \\\n  # a comment\n  && y\nfrom c:2\nUSER 1:2\n")
	want := []instruction{
		{cmd: "FROM", args: "a:1 AS b", stage: 0, line: 2},
		{cmd: "RUN", args: "x && y", stage: 0, line: 4},
		{cmd: "FROM", args: "c:2", stage: 1, line: 7},
		{cmd: "USER", args: "1:2", stage: 1, line: 8},
	}
	if len(ins) != len(want) {
		t.Fatalf("got %+v", ins)
	}
	for i := range want {
		if ins[i] != want[i] {
			t.Errorf("instruction %d: got %+v, want %+v", i, ins[i], want[i])
		}
	}
}
