package deploy

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads docker-compose.yml as `docker compose config` does
// (compose-go is the loader of the docker compose CLI): schema validation,
// interpolation from env and normalization. No engine is needed.
func loadCompose(t testing.TB, env ...string) (*types.Project, error) {
	t.Helper()
	dir, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{filepath.Join(dir, "docker-compose.yml")},
		cli.WithWorkingDirectory(dir), cli.WithName("gongshi"), cli.WithEnv(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return opts.LoadProject(ctx)
}

// TestComposeFile: docker-compose.yml is valid, runs the same processes as
// Kubernetes from the same image, every variable internal/config reads can
// be set, and the probes, user, port and volume match the Dockerfile.
func TestComposeFile(t *testing.T) {
	src := loadSources(t)
	img := loadImage(t)
	p, err := loadCompose(t, "MEILI_MASTER_KEY=0123456789abcdef0123")
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	k8sImage := ""
	if _, ctr := build(t, "kubernetes/base").container(portalName); ctr != nil {
		k8sImage = ctr.Image
	}
	for _, s := range p.Services {
		if !pinned(s.Image) {
			t.Errorf("service %s: image %q is not pinned by a tag", s.Name, s.Image)
		}
	}
	for name, args := range map[string][]string{"portal": {"serve", "--no-indexer"}, "indexer": {"index"}} {
		s, ok := p.Services[name]
		if !ok {
			t.Errorf("no service %s", name)
			continue
		}
		if !slices.Equal(s.Command, args) || len(s.Entrypoint) > 0 {
			t.Errorf("service %s: command %v (entrypoint %v), want %v", name, s.Command, s.Entrypoint, args)
		}
		if s.Image != k8sImage {
			t.Errorf("service %s: image %s, the Kubernetes base runs %s", name, s.Image, k8sImage)
		}
		if s.Build == nil || s.Build.Context != p.WorkingDir || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("service %s: want build: . (the Dockerfile), got %+v", name, s.Build)
		}
		if s.User != "" {
			t.Errorf("service %s: user %q overrides the image's %s", name, s.User, img.user)
		}
		if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") || !slices.Contains(s.Tmpfs, "/tmp") || !slices.Contains(s.SecurityOpt, "no-new-privileges:true") {
			t.Errorf("service %s: want read_only, cap_drop ALL, tmpfs /tmp and no-new-privileges as in Kubernetes", name)
		}
		if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) < time.Duration(src.shutdownSeconds+5)*time.Second {
			t.Errorf("service %s: stop_grace_period must cover the server's %d s shutdown", name, src.shutdownSeconds)
		}
		for v := range s.Environment {
			if !src.allowedVar(v) {
				t.Errorf("service %s: %s is neither read by internal/config nor a documented third-party variable", name, v)
			}
		}
		for _, v := range append(sortedKeys(src.configVars), announcedVars...) {
			if _, ok := s.Environment[v]; !ok {
				t.Errorf("service %s: %s cannot be set", name, v)
			}
		}
		if dir := s.Environment["PORTAL_SNAPSHOT_DIR"]; dir == nil || *dir != img.snapshotDir {
			t.Errorf("service %s: PORTAL_SNAPSHOT_DIR is not the image's volume %s", name, img.snapshotDir)
		}
	}
	portal := p.Services["portal"]
	if a := portal.Environment["PORTAL_ADDR"]; a == nil || *a != ":"+img.port {
		t.Errorf("portal: PORTAL_ADDR is not :%s, the image's EXPOSE", img.port)
	}
	if len(portal.Ports) != 1 || portal.Ports[0].Target != uint32(atoi(img.port)) {
		t.Errorf("portal: ports %+v do not publish the image's %s", portal.Ports, img.port)
	}
	mounted := false
	for _, v := range portal.Volumes {
		mounted = mounted || v.Target == img.snapshotDir && v.Type == types.VolumeTypeVolume && !v.ReadOnly
	}
	if !mounted {
		t.Errorf("portal: no named volume at %s", img.snapshotDir)
	}
	// The portal's health check is the image's (/healthz, the liveness
	// probe); the indexer serves no HTTP and must not inherit it.
	if hc := portal.HealthCheck; hc != nil && (hc.Disable || !strings.Contains(strings.Join(hc.Test, " "), livenessPath)) {
		t.Errorf("portal: the health check %v differs from the image's %s", hc.Test, livenessPath)
	}
	if hc := p.Services["indexer"].HealthCheck; hc == nil || !hc.Disable {
		t.Error("indexer: disable the image's HTTP health check")
	}
	if _, err := loadCompose(t); err == nil || !strings.Contains(err.Error(), "MEILI_MASTER_KEY") {
		t.Errorf("without MEILI_MASTER_KEY the file must not load; got %v", err)
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}
