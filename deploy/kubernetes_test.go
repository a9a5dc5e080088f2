package deploy

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kustomizations are the directories `kubectl apply -k` takes.
var kustomizations = []string{"kubernetes/base", "kubernetes/overlays/example"}

// The image's user and group, the port of PORTAL_ADDR and the snapshot
// directory are read from the Dockerfile (dockerfile_test.go); these are
// the facts of the server the manifests must match.
const (
	readinessPath = "/readyz"
	livenessPath  = "/healthz"
)

// decoder decodes the typed Kubernetes objects these manifests may hold,
// strictly: an unknown or duplicate field is an error, and so is a value
// of the wrong type or a kind outside the list.
func decoder() runtime.Decoder {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
}

// cluster is the output of one kustomization, decoded.
type cluster struct {
	deployments  map[string]*appsv1.Deployment
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	ingresses    map[string]*networkingv1.Ingress
	hpas         map[string]*autoscalingv2.HorizontalPodAutoscaler
	pdbs         map[string]*policyv1.PodDisruptionBudget
	netpols      map[string]*networkingv1.NetworkPolicy
	namespaces   map[string]*corev1.Namespace
	other        []runtime.Object
	objectsCount int
}

// build runs kustomize on dir as `kubectl apply -k` would, and decodes
// every object it yields.
func build(t testing.TB, dir string) *cluster {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	c := &cluster{
		deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		configMaps: map[string]*corev1.ConfigMap{}, ingresses: map[string]*networkingv1.Ingress{},
		hpas: map[string]*autoscalingv2.HorizontalPodAutoscaler{}, pdbs: map[string]*policyv1.PodDisruptionBudget{},
		netpols: map[string]*networkingv1.NetworkPolicy{}, namespaces: map[string]*corev1.Namespace{},
	}
	dec := decoder()
	for _, r := range rm.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatalf("%s: %s: %v", dir, r.CurId(), err)
		}
		obj, _, err := dec.Decode(y, nil, nil)
		if err != nil {
			t.Fatalf("%s: %s does not decode strictly into its Kubernetes type: %v", dir, r.CurId(), err)
		}
		c.objectsCount++
		switch o := obj.(type) {
		case *appsv1.Deployment:
			c.deployments[o.Name] = o
		case *corev1.Service:
			c.services[o.Name] = o
		case *corev1.ConfigMap:
			c.configMaps[o.Name] = o
		case *networkingv1.Ingress:
			c.ingresses[o.Name] = o
		case *autoscalingv2.HorizontalPodAutoscaler:
			c.hpas[o.Name] = o
		case *policyv1.PodDisruptionBudget:
			c.pdbs[o.Name] = o
		case *networkingv1.NetworkPolicy:
			c.netpols[o.Name] = o
		case *corev1.Namespace:
			c.namespaces[o.Name] = o
		default:
			c.other = append(c.other, obj)
		}
	}
	return c
}

func (c *cluster) deepCopy() *cluster {
	n := *c
	n.deployments = copyMap(c.deployments)
	n.services = copyMap(c.services)
	n.configMaps = copyMap(c.configMaps)
	n.ingresses = copyMap(c.ingresses)
	n.hpas = copyMap(c.hpas)
	n.pdbs = copyMap(c.pdbs)
	n.netpols = copyMap(c.netpols)
	n.namespaces = copyMap(c.namespaces)
	return &n
}

func copyMap[P interface{ DeepCopy() P }](m map[string]P) map[string]P {
	out := make(map[string]P, len(m))
	for k, v := range m {
		out[k] = v.DeepCopy()
	}
	return out
}

const (
	portalName  = "gongshi-portal"
	indexerName = "gongshi-indexer"
)

// facts are what the manifests must agree with: the code, and the image.
type facts struct {
	sources
	image image
}

// problems collects what a rule finds wrong.
type problems []string

func (p *problems) addf(format string, a ...any) { *p = append(*p, fmt.Sprintf(format, a...)) }

// check applies every rule of ours to a cluster.
func check(c *cluster, f facts) problems {
	var p problems
	for _, rule := range []func(*cluster, facts, *problems){
		checkWorkloads, checkContainers, checkPortal, checkIndexer, checkEnv,
		checkScaling, checkService, checkNetworkPolicies, checkSecretsDocumented,
	} {
		rule(c, f, &p)
	}
	return p
}

// checkWorkloads: both Deployments exist, and their selectors select
// their own pods.
func checkWorkloads(c *cluster, _ facts, p *problems) {
	for _, name := range []string{portalName, indexerName} {
		d := c.deployments[name]
		if d == nil {
			p.addf("no Deployment %s", name)
			continue
		}
		if d.Spec.Selector == nil || len(d.Spec.Selector.MatchLabels) == 0 {
			p.addf("Deployment %s: no selector", name)
			continue
		}
		if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
			p.addf("Deployment %s: selector %v does not select its pod labels %v", name, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
		}
	}
}

// checkContainers: every container has requests and limits, a pinned
// image, runs as the image's non-root user on a read-only root file
// system, and every HTTP probe asks for a path the server routes.
func checkContainers(c *cluster, f facts, p *problems) {
	for _, name := range sortedKeys(c.deployments) {
		d := c.deployments[name]
		spec := d.Spec.Template.Spec
		sc := spec.SecurityContext
		if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || sc.RunAsGroup == nil {
			p.addf("Deployment %s: the pod must set runAsNonRoot, runAsUser and runAsGroup", name)
		} else if fmt.Sprintf("%d:%d", *sc.RunAsUser, *sc.RunAsGroup) != f.image.user {
			p.addf("Deployment %s: runs as %d:%d, the image as %s", name, *sc.RunAsUser, *sc.RunAsGroup, f.image.user)
		}
		if sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			p.addf("Deployment %s: seccompProfile RuntimeDefault is missing", name)
		}
		if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
			p.addf("Deployment %s: automountServiceAccountToken must be false (no API access needed)", name)
		}
		if spec.EnableServiceLinks == nil || *spec.EnableServiceLinks {
			p.addf("Deployment %s: enableServiceLinks must be false (Service variables would mix with the configuration)", name)
		}
		if spec.HostNetwork || spec.HostPID || spec.HostIPC {
			p.addf("Deployment %s: no host namespaces", name)
		}
		for _, v := range spec.Volumes {
			if v.EmptyDir == nil && v.ConfigMap == nil && v.Secret == nil && v.Projected == nil && v.PersistentVolumeClaim == nil {
				p.addf("Deployment %s: volume %s: only emptyDir, configMap, secret, projected and persistentVolumeClaim volumes (Pod Security restricted)", name, v.Name)
			}
		}
		if len(spec.InitContainers) > 0 {
			p.addf("Deployment %s: init containers are not expected", name)
		}
		for _, ctr := range spec.Containers {
			where := fmt.Sprintf("Deployment %s, container %s", name, ctr.Name)
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := ctr.Resources.Requests[r]; !ok {
					p.addf("%s: no %s request", where, r)
				}
				if _, ok := ctr.Resources.Limits[r]; !ok {
					p.addf("%s: no %s limit", where, r)
				}
			}
			if !pinned(ctr.Image) {
				p.addf("%s: image %q is not pinned by a tag or digest", where, ctr.Image)
			}
			if len(ctr.Command) > 0 {
				p.addf("%s: command %v replaces the image's ENTRYPOINT %v; set args only", where, ctr.Command, f.image.entrypoint)
			}
			cs := ctr.SecurityContext
			if cs == nil || cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem {
				p.addf("%s: readOnlyRootFilesystem must be true", where)
			}
			if cs == nil || cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation {
				p.addf("%s: allowPrivilegeEscalation must be false", where)
			}
			if cs == nil || cs.Capabilities == nil || !slices.Contains(cs.Capabilities.Drop, "ALL") || len(cs.Capabilities.Add) > 0 {
				p.addf("%s: capabilities must drop ALL and add none", where)
			}
			if cs != nil && (cs.RunAsUser != nil || cs.RunAsNonRoot != nil && !*cs.RunAsNonRoot) {
				p.addf("%s: the container overrides the pod's user", where)
			}
			for kind, pr := range map[string]*corev1.Probe{"startup": ctr.StartupProbe, "readiness": ctr.ReadinessProbe, "liveness": ctr.LivenessProbe} {
				if pr == nil {
					continue
				}
				if pr.HTTPGet == nil {
					p.addf("%s: %s probe is not an HTTP GET", where, kind)
					continue
				}
				if !f.getRoutes[pr.HTTPGet.Path] {
					p.addf("%s: %s probe path %s is not a GET route of the server", where, kind, pr.HTTPGet.Path)
				}
				if !hasPort(ctr, pr.HTTPGet.Port.String()) {
					p.addf("%s: %s probe port %s is not a port of the container", where, kind, pr.HTTPGet.Port.String())
				}
			}
		}
	}
}

func hasPort(ctr corev1.Container, port string) bool {
	for _, cp := range ctr.Ports {
		if cp.Name == port || fmt.Sprint(cp.ContainerPort) == port {
			return true
		}
	}
	return false
}

// pinned says whether an image reference names a tag other than latest,
// or a digest.
func pinned(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return false
	}
	return ref[i+1:] != "" && ref[i+1:] != "latest"
}

// container returns the one container of Deployment name.
func (c *cluster) container(name string) (*appsv1.Deployment, *corev1.Container) {
	d := c.deployments[name]
	if d == nil || len(d.Spec.Template.Spec.Containers) != 1 {
		return d, nil
	}
	return d, &d.Spec.Template.Spec.Containers[0]
}

// checkPortal: portal serve --no-indexer on the image's port, with the
// three probes, a writable snapshot directory and /tmp, and a grace
// period that covers the preStop pause and the server's shutdown.
func checkPortal(c *cluster, f facts, p *problems) {
	d, ctr := c.container(portalName)
	if ctr == nil {
		p.addf("Deployment %s: want exactly one container", portalName)
		return
	}
	if !slices.Equal(ctr.Args, []string{"serve", "--no-indexer"}) {
		p.addf("portal: args %v, want [serve --no-indexer]", ctr.Args)
	}
	if len(ctr.Ports) != 1 || fmt.Sprint(ctr.Ports[0].ContainerPort) != f.image.port {
		p.addf("portal: container ports %v, want the image's %s", ctr.Ports, f.image.port)
	}
	if env := c.containerEnv(ctr); env["PORTAL_ADDR"] != ":"+f.image.port {
		p.addf("portal: PORTAL_ADDR %q, want :%s (the image's EXPOSE)", env["PORTAL_ADDR"], f.image.port)
	}
	for kind, want := range map[string]struct {
		probe *corev1.Probe
		path  string
	}{
		"startup (migrations run before the server listens)": {ctr.StartupProbe, livenessPath},
		"readiness": {ctr.ReadinessProbe, readinessPath},
		"liveness":  {ctr.LivenessProbe, livenessPath},
	} {
		if want.probe == nil || want.probe.HTTPGet == nil || want.probe.HTTPGet.Path != want.path {
			p.addf("portal: %s probe must GET %s", kind, want.path)
		}
	}
	env := c.containerEnv(ctr)
	writable := map[string]bool{}
	for _, m := range ctr.VolumeMounts {
		if !m.ReadOnly {
			writable[m.MountPath] = true
		}
	}
	for _, dir := range []string{env["PORTAL_SNAPSHOT_DIR"], "/tmp"} {
		if !writable[dir] {
			p.addf("portal: %q must be a writable volume (the root file system is read-only)", dir)
		}
	}
	if env["PORTAL_SNAPSHOT_DIR"] != f.image.snapshotDir {
		p.addf("portal: PORTAL_SNAPSHOT_DIR %q, the image's volume is %q", env["PORTAL_SNAPSHOT_DIR"], f.image.snapshotDir)
	}
	pause := 0
	if ls := ctr.Lifecycle; ls != nil && ls.PreStop != nil && ls.PreStop.Exec != nil {
		cmd := ls.PreStop.Exec.Command
		if len(cmd) == 2 && path.Base(cmd[0]) == "sleep" {
			fmt.Sscan(cmd[1], &pause)
		}
	}
	if pause == 0 {
		p.addf("portal: want a preStop sleep, so the Service drops the pod before its listener closes")
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = *g
	}
	if need := int64(pause + f.shutdownSeconds + 5); grace < need {
		p.addf("portal: terminationGracePeriodSeconds %d < preStop %d s + shutdown %d s + 5 s for the workers", grace, pause, f.shutdownSeconds)
	}
	if d.Spec.Replicas != nil {
		p.addf("portal: spec.replicas is set; the HorizontalPodAutoscaler owns it (applying again would scale a busy portal down)")
	}
}

// checkIndexer: portal index, one active and one standby.
func checkIndexer(c *cluster, _ facts, p *problems) {
	d, ctr := c.container(indexerName)
	if ctr == nil {
		p.addf("Deployment %s: want exactly one container", indexerName)
		return
	}
	if !slices.Equal(ctr.Args, []string{"index"}) {
		p.addf("indexer: args %v, want [index]", ctr.Args)
	}
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		p.addf("indexer: want 2 replicas (one active, one standby)")
	}
	if len(ctr.Ports) > 0 || ctr.ReadinessProbe != nil || ctr.LivenessProbe != nil {
		p.addf("indexer: it serves no HTTP; no ports or probes")
	}
}

// containerEnv is the environment a container starts with: its envFrom
// ConfigMaps, then its env (values, or the source of valueFrom).
func (c *cluster) containerEnv(ctr *corev1.Container) map[string]string {
	env := map[string]string{}
	for _, from := range ctr.EnvFrom {
		if from.ConfigMapRef != nil {
			if cm := c.configMaps[from.ConfigMapRef.Name]; cm != nil {
				for k, v := range cm.Data {
					env[from.Prefix+k] = v
				}
			}
		}
	}
	for _, e := range ctr.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = "secret " + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
		default:
			env[e.Name] = "(from the pod)"
		}
	}
	return env
}

// checkEnv: every variable set is one the portal reads (or a documented
// third-party one); every variable internal/config reads can be set on
// the portal; the announced ones are offered; every envFrom source exists
// or is an optional Secret.
func checkEnv(c *cluster, f facts, p *problems) {
	for _, name := range sortedKeys(c.deployments) {
		for _, ctr := range c.deployments[name].Spec.Template.Spec.Containers {
			for _, from := range ctr.EnvFrom {
				if from.ConfigMapRef != nil && c.configMaps[from.ConfigMapRef.Name] == nil {
					p.addf("Deployment %s: envFrom ConfigMap %s does not exist", name, from.ConfigMapRef.Name)
				}
				if from.SecretRef != nil {
					p.addf("Deployment %s: envFrom Secret %s: name each secret variable with secretKeyRef instead", name, from.SecretRef.Name)
				}
			}
			for v := range c.containerEnv(&ctr) {
				if !f.allowedVar(v) {
					p.addf("Deployment %s: %s is neither read by internal/config nor a documented third-party variable", name, v)
				}
			}
			for _, e := range ctr.Env {
				if r := e.ValueFrom; r != nil && r.ConfigMapKeyRef != nil && c.configMaps[r.ConfigMapKeyRef.Name] == nil {
					p.addf("Deployment %s: %s reads ConfigMap %s, which does not exist", name, e.Name, r.ConfigMapKeyRef.Name)
				}
			}
		}
	}
	if _, ctr := c.container(portalName); ctr != nil {
		env := c.containerEnv(ctr)
		for _, v := range sortedKeys(f.configVars) {
			if _, ok := env[v]; !ok && !f.offered(v) {
				p.addf("portal: %s (read by internal/config) cannot be set: add it to portal.env or to the container's env", v)
			}
		}
	}
	for _, v := range announcedVars {
		if !strings.Contains(f.baseText, v) {
			p.addf("kubernetes/base does not mention %s", v)
		}
	}
}

// offered says whether v, an announced or third-party variable, is
// documented in kubernetes/base (commented out in portal.env until the
// code reads it), which is enough for it to count as settable.
func (f facts) offered(v string) bool {
	return (slices.Contains(announcedVars, v) || thirdPartyVars[v] != "") && strings.Contains(f.baseText, v)
}

// checkScaling: an autoscaling/v2 CPU autoscaler with at least three
// replicas on the portal, and disruption budgets that select pods.
func checkScaling(c *cluster, _ facts, p *problems) {
	h := c.hpas[portalName]
	switch {
	case h == nil:
		p.addf("no HorizontalPodAutoscaler %s", portalName)
	case h.Spec.ScaleTargetRef.Kind != "Deployment" || c.deployments[h.Spec.ScaleTargetRef.Name] == nil:
		p.addf("HorizontalPodAutoscaler %s scales %s %s, which does not exist", h.Name, h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name)
	case h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 3 || h.Spec.MaxReplicas < *h.Spec.MinReplicas:
		p.addf("HorizontalPodAutoscaler %s: want minReplicas ≥ 3 ≤ maxReplicas", h.Name)
	}
	if h != nil {
		cpu := false
		for _, m := range h.Spec.Metrics {
			cpu = cpu || m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU
		}
		if !cpu {
			p.addf("HorizontalPodAutoscaler %s: no CPU resource metric", h.Name)
		}
	}
	for _, name := range []string{portalName, indexerName} {
		b := c.pdbs[name]
		if b == nil {
			p.addf("no PodDisruptionBudget %s", name)
			continue
		}
		if d := c.deployments[name]; d == nil || b.Spec.Selector == nil ||
			!labels.SelectorFromSet(b.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) {
			p.addf("PodDisruptionBudget %s does not select the pods of Deployment %s", name, name)
		}
	}
}

// checkService: the Service selects the portal's pods and targets its
// port; the Ingress sends to that Service and port.
func checkService(c *cluster, _ facts, p *problems) {
	s := c.services[portalName]
	_, ctr := c.container(portalName)
	if s == nil || ctr == nil {
		p.addf("no Service %s (or no portal)", portalName)
		return
	}
	if d := c.deployments[portalName]; !labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels)) || len(s.Spec.Selector) == 0 {
		p.addf("Service %s: selector %v does not select the portal's pods", s.Name, s.Spec.Selector)
	}
	if ind := c.deployments[indexerName]; ind != nil && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(ind.Spec.Template.Labels)) {
		p.addf("Service %s selects the indexer's pods too", s.Name)
	}
	for _, sp := range s.Spec.Ports {
		if !hasPort(*ctr, sp.TargetPort.String()) {
			p.addf("Service %s: targetPort %s is not a port of the portal container", s.Name, sp.TargetPort.String())
		}
	}
	if len(c.ingresses) == 0 {
		p.addf("no Ingress")
	}
	for _, name := range sortedKeys(c.ingresses) {
		for _, r := range c.ingresses[name].Spec.Rules {
			if r.HTTP == nil {
				continue
			}
			for _, path := range r.HTTP.Paths {
				b := path.Backend.Service
				if b == nil || c.services[b.Name] == nil {
					p.addf("Ingress %s: path %s has no Service backend of this kustomization", name, path.Path)
					continue
				}
				found := false
				for _, sp := range c.services[b.Name].Spec.Ports {
					found = found || sp.Name == b.Port.Name && b.Port.Name != "" || sp.Port == b.Port.Number && b.Port.Number != 0
				}
				if !found {
					p.addf("Ingress %s: Service %s has no port %v", name, b.Name, b.Port)
				}
			}
		}
	}
}

// checkNetworkPolicies: both components are isolated both ways; the portal
// admits connections from one namespace selector only, on its port; both
// reach DNS and PostgreSQL.
func checkNetworkPolicies(c *cluster, _ facts, p *problems) {
	for _, name := range []string{portalName, indexerName} {
		np := c.netpols[name]
		d := c.deployments[name]
		if np == nil || d == nil {
			p.addf("no NetworkPolicy %s", name)
			continue
		}
		sel := np.Spec.PodSelector.MatchLabels
		if len(sel) == 0 || !labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels)) {
			p.addf("NetworkPolicy %s does not select the pods of Deployment %s", name, name)
		}
		if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) || !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
			p.addf("NetworkPolicy %s: want policyTypes Ingress and Egress", name)
		}
		ports := map[string]bool{}
		for _, e := range np.Spec.Egress {
			for _, pt := range e.Ports {
				proto := corev1.ProtocolTCP
				if pt.Protocol != nil {
					proto = *pt.Protocol
				}
				ports[fmt.Sprintf("%s/%s", pt.Port, proto)] = true
			}
		}
		for _, need := range []string{"53/UDP", "5432/TCP", "7700/TCP"} {
			if !ports[need] {
				p.addf("NetworkPolicy %s: no egress to %s", name, need)
			}
		}
		for _, in := range np.Spec.Ingress {
			if name == indexerName {
				p.addf("NetworkPolicy %s: the indexer accepts no connection", name)
			}
			if len(in.From) == 0 {
				p.addf("NetworkPolicy %s: an ingress rule with no from admits everyone", name)
			}
			for _, peer := range in.From {
				if peer.NamespaceSelector == nil || len(peer.NamespaceSelector.MatchLabels) == 0 || peer.IPBlock != nil {
					p.addf("NetworkPolicy %s: admit only the ingress controller's namespace", name)
				}
			}
		}
	}
	if np := c.netpols[portalName]; np != nil && len(np.Spec.Ingress) == 0 {
		p.addf("NetworkPolicy %s admits no connection: the ingress controller cannot reach the portal", portalName)
	}
}

// checkSecretsDocumented: every Secret the pods read is in the README's
// table, with its key.
func checkSecretsDocumented(c *cluster, f facts, p *problems) {
	for _, name := range sortedKeys(c.deployments) {
		for _, ctr := range c.deployments[name].Spec.Template.Spec.Containers {
			for _, e := range ctr.Env {
				if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
					continue
				}
				r := e.ValueFrom.SecretKeyRef
				row := fmt.Sprintf("| `%s` | `%s` | `%s` |", r.Name, r.Key, e.Name)
				if !strings.Contains(f.readme, row) {
					p.addf("deploy/README.md: no row %q for the Secret %s, key %s", row, r.Name, r.Key)
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestKustomizationsBuildAndKeepOurRules(t *testing.T) {
	f := facts{sources: loadSources(t), image: loadImage(t)}
	for _, dir := range kustomizations {
		t.Run(dir, func(t *testing.T) {
			c := build(t, dir)
			if len(c.other) > 0 {
				t.Errorf("unexpected objects: %v", c.other)
			}
			for _, msg := range check(c, f) {
				t.Error(msg)
			}
			t.Logf("%d objects", c.objectsCount)
		})
	}
}

// TestStrictDecoding shows that the decoding the manifests pass refuses
// unknown fields, wrong types and unknown kinds.
func TestStrictDecoding(t *testing.T) {
	dec := decoder()
	good := "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec:\n  replicas: 2\n"
	if _, _, err := dec.Decode([]byte(good), nil, nil); err != nil {
		t.Fatalf("a valid Deployment: %v", err)
	}
	for name, doc := range map[string]string{
		"unknown field":   strings.Replace(good, "replicas: 2", "replica: 2", 1),
		"wrong type":      strings.Replace(good, "replicas: 2", "replicas: two", 1),
		"duplicate field": good + "  replicas: 3\n",
		"unknown kind":    strings.Replace(good, "kind: Deployment", "kind: Deploymnet", 1),
		"nested unknown":  good + "  template:\n    spec:\n      containers:\n      - name: a\n        imagePullPolicy: Always\n        livenessprobe: {}\n",
	} {
		if _, _, err := dec.Decode([]byte(doc), nil, nil); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

// TestRulesCatchMistakes breaks the example installation one way at a
// time and expects our rules to say what broke.
func TestRulesCatchMistakes(t *testing.T) {
	f := facts{sources: loadSources(t), image: loadImage(t)}
	base := build(t, "kubernetes/overlays/example")
	if p := check(base, f); len(p) > 0 {
		t.Fatalf("the example does not pass to begin with: %v", p)
	}
	portal := func(c *cluster) *corev1.Container { _, ctr := c.container(portalName); return ctr }
	indexer := func(c *cluster) *corev1.Container { _, ctr := c.container(indexerName); return ctr }
	configMap := func(c *cluster) *corev1.ConfigMap {
		for _, cm := range c.configMaps {
			return cm
		}
		return nil
	}
	for _, tc := range []struct {
		name   string
		mutate func(c *cluster)
		want   string
	}{
		{"no memory limit", func(c *cluster) { delete(indexer(c).Resources.Limits, corev1.ResourceMemory) }, "no memory limit"},
		{"probe path the server lacks", func(c *cluster) { portal(c).ReadinessProbe.HTTPGet.Path = "/ready" }, "/ready is not a GET route"},
		{"liveness on readyz", func(c *cluster) { portal(c).LivenessProbe.HTTPGet.Path = "/readyz" }, "liveness probe must GET /healthz"},
		{"no startup probe", func(c *cluster) { portal(c).StartupProbe = nil }, "startup"},
		{"probe on a port the container lacks", func(c *cluster) { portal(c).LivenessProbe.HTTPGet.Port.StrVal = "web" }, "probe port web"},
		{"latest image", func(c *cluster) { portal(c).Image = "gongshi/portal:latest" }, "not pinned"},
		{"untagged image", func(c *cluster) { indexer(c).Image = "registry.example.org:5000/gongshi/portal" }, "not pinned"},
		{"variable config does not read", func(c *cluster) { configMap(c).Data["PORTAL_RATE_IPS"] = "10" }, "PORTAL_RATE_IPS is neither"},
		{"config variable not settable", func(c *cluster) { delete(configMap(c).Data, "PORTAL_RATE_KEY") }, "PORTAL_RATE_KEY (read by internal/config) cannot be set"},
		{"secret by envFrom", func(c *cluster) {
			portal(c).EnvFrom = append(portal(c).EnvFrom, corev1.EnvFromSource{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "all"}}})
		}, "name each secret variable"},
		{"host path", func(c *cluster) {
			v := &c.deployments[portalName].Spec.Template.Spec.Volumes[0]
			v.EmptyDir, v.HostPath = nil, &corev1.HostPathVolumeSource{Path: "/srv"}
		}, "volume snapshots: only emptyDir"},
		{"writable root", func(c *cluster) { *portal(c).SecurityContext.ReadOnlyRootFilesystem = false }, "readOnlyRootFilesystem"},
		{"root user", func(c *cluster) { *c.deployments[indexerName].Spec.Template.Spec.SecurityContext.RunAsUser = 0 }, "runs as 0:10001"},
		{"no tmp volume", func(c *cluster) { portal(c).VolumeMounts = portal(c).VolumeMounts[:1] }, `"/tmp" must be a writable volume`},
		{"short grace period", func(c *cluster) {
			g := int64(10)
			c.deployments[portalName].Spec.Template.Spec.TerminationGracePeriodSeconds = &g
		}, "terminationGracePeriodSeconds 10"},
		{"replicas beside the autoscaler", func(c *cluster) {
			n := int32(3)
			c.deployments[portalName].Spec.Replicas = &n
		}, "spec.replicas is set"},
		{"indexer without standby", func(c *cluster) { *c.deployments[indexerName].Spec.Replicas = 1 }, "want 2 replicas"},
		{"indexer with the embedded server", func(c *cluster) { portal(c).Args = []string{"serve"} }, "want [serve --no-indexer]"},
		{"service selects nothing", func(c *cluster) { c.services[portalName].Spec.Selector["app.kubernetes.io/component"] = "web" }, "does not select the portal's pods"},
		{"ingress to a missing port", func(c *cluster) {
			c.ingresses[portalName].Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port.Name = "https"
		}, "has no port"},
		{"autoscaler on memory", func(c *cluster) { c.hpas[portalName].Spec.Metrics[0].Resource.Name = corev1.ResourceMemory }, "no CPU resource metric"},
		{"portal open to all", func(c *cluster) { c.netpols[portalName].Spec.Ingress[0].From = nil }, "admits everyone"},
		{"no DNS", func(c *cluster) { c.netpols[indexerName].Spec.Egress = c.netpols[indexerName].Spec.Egress[1:] }, "no egress to 53/UDP"},
		{"undocumented secret", func(c *cluster) { portal(c).Env[0].ValueFrom.SecretKeyRef.Key = "dsn" }, "no row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base.deepCopy()
			tc.mutate(c)
			p := check(c, f)
			for _, msg := range p {
				if strings.Contains(msg, tc.want) {
					return
				}
			}
			t.Errorf("want a problem containing %q, got %q", tc.want, p)
		})
	}
}

// TestConfigGrowth: when internal/config starts reading an announced
// variable that portal.env offers commented out, the manifests still pass;
// a new variable nobody offered fails them.
func TestConfigGrowth(t *testing.T) {
	f := facts{sources: loadSources(t), image: loadImage(t)}
	c := build(t, "kubernetes/overlays/example")
	grown := func(v string) problems {
		g := f
		g.configVars = map[string]bool{v: true}
		for k := range f.configVars {
			g.configVars[k] = true
		}
		return check(c, g)
	}
	if p := grown("DATABASE_READ_URL"); len(p) > 0 {
		t.Errorf("config reading DATABASE_READ_URL: %v", p)
	}
	if p := grown("PORTAL_SEARCH_REPLICAS"); !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, "PORTAL_SEARCH_REPLICAS") }) {
		t.Errorf("config reading a variable the manifests lack: want a problem, got %v", p)
	}
}
