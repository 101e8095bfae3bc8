// Package deploy holds the deployment files; its tests check them as far
// as this machine allows (no container engine runs here): the compose file
// and the Kubernetes manifests parse strictly, every variable they set is
// one the binary reads, the probes point at the real routes, and the
// Dockerfile's build command compiles.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/sokohub/sokohub/internal/config"
)

// commands are the sokohub subcommands a deployment may run.
var commands = []string{"serve", "worker", "migrate", "simulator"}

func readVariables(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{}
	for _, v := range config.Variables() {
		known[v] = true
	}
	require.True(t, known["SOKOHUB_DATABASE_URL"] && known["SOKOHUB_SHUTDOWN_GRACE"], "config.Variables found the variables")
	return known
}

func TestComposeFileParsesAndSetsOnlyVariablesTheBinaryReads(t *testing.T) {
	t.Parallel()
	known := readVariables(t)
	opts, err := cli.NewProjectOptions([]string{"docker-compose.yml"}, cli.WithWorkingDirectory("."),
		cli.WithEnv([]string{"SOKOHUB_MASTER_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}))
	require.NoError(t, err)
	p, err := opts.LoadProject(context.Background())
	require.NoError(t, err)

	var gateways, workers int
	for name, s := range p.Services {
		if s.Image != "sokohub:local" {
			continue
		}
		require.NotEmpty(t, s.Command, "%s runs a subcommand", name)
		require.Contains(t, commands, s.Command[0], "%s runs a sokohub subcommand", name)
		for k := range s.Environment {
			require.True(t, known[k], "service %s sets %s, which the binary never reads (config.Variables)", name, k)
		}
		switch s.Command[0] {
		case "serve":
			gateways++
			require.Equal(t, "0.0.0.0:8080", *s.Environment["SOKOHUB_HTTP_ADDR"])
			require.Contains(t, strings.Join(s.HealthCheck.Test, " "), "http://127.0.0.1:8080/readyz")
			require.Contains(t, s.DependsOn, "migrate")
		case "worker":
			workers++
			require.Equal(t, "0.0.0.0:9090", *s.Environment["SOKOHUB_OPS_ADDR"])
			require.Contains(t, strings.Join(s.HealthCheck.Test, " "), "http://127.0.0.1:9090/readyz")
		case "migrate":
			require.Equal(t, []string{"migrate", "up"}, []string(s.Command))
		}
	}
	require.Equal(t, 2, gateways, "two gateways")
	require.Equal(t, 2, workers, "two workers")
	for _, name := range []string{"postgres", "redis", "proxy", "simulator", "migrate"} {
		require.Contains(t, p.Services, name)
	}
	nginx, err := os.ReadFile("nginx.conf")
	require.NoError(t, err)
	for name, s := range p.Services {
		if len(s.Command) > 0 && s.Command[0] == "serve" {
			require.Contains(t, string(nginx), "server "+name+":8080", "nginx sends traffic to %s", name)
		}
	}
}

func TestProductionEnvExampleSetsOnlyVariablesTheBinaryReads(t *testing.T) {
	t.Parallel()
	known := readVariables(t)
	f, err := os.Open("production.env.example")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, ok := strings.Cut(line, "=")
		require.True(t, ok, "KEY=value: %q", line)
		require.True(t, known[k], "production.env.example sets %s, which the binary never reads", k)
		n++
	}
	require.Greater(t, n, 10)
	prod := map[string]string{}
	f2, _ := os.ReadFile("production.env.example")
	for _, line := range strings.Split(string(f2), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			prod[k] = v
		}
	}
	prod["SOKOHUB_MASTER_KEY"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	_, err = config.Load(config.ModeProduction, func(k string) string { return prod[k] })
	require.NoError(t, err, "the example is a valid production configuration once the key is filled in")
}

// manifest is one decoded Kubernetes object.
type manifest struct {
	file string
	kind string
	obj  any
}

func loadManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob("k8s/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []manifest
	for _, file := range files {
		raw, err := os.ReadFile(file)
		require.NoError(t, err)
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(raw), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var tm metav1.TypeMeta
			require.NoError(t, yaml.Unmarshal([]byte(doc), &tm), file)
			var obj any
			switch tm.APIVersion + " " + tm.Kind {
			case "apps/v1 Deployment":
				obj = &appsv1.Deployment{}
			case "v1 Service":
				obj = &corev1.Service{}
			case "v1 ConfigMap":
				obj = &corev1.ConfigMap{}
			case "v1 Secret":
				obj = &corev1.Secret{}
			case "v1 PersistentVolumeClaim":
				obj = &corev1.PersistentVolumeClaim{}
			case "batch/v1 Job":
				obj = &batchv1.Job{}
			case "autoscaling/v2 HorizontalPodAutoscaler":
				obj = &autoscalingv2.HorizontalPodAutoscaler{}
			case "policy/v1 PodDisruptionBudget":
				obj = &policyv1.PodDisruptionBudget{}
			case "networking.k8s.io/v1 Ingress":
				obj = &networkingv1.Ingress{}
			default:
				t.Fatalf("%s: unexpected %s %s", file, tm.APIVersion, tm.Kind)
			}
			require.NoError(t, yaml.UnmarshalStrict([]byte(doc), obj), "%s: %s is not a valid %s", file, tm.Kind, tm.Kind)
			out = append(out, manifest{file: file, kind: tm.Kind, obj: obj})
		}
	}
	return out
}

func TestKubernetesManifestsDecodeStrictlyAndFitTogether(t *testing.T) {
	t.Parallel()
	known := readVariables(t)
	ms := loadManifests(t)
	byKind := map[string][]any{}
	for _, m := range ms {
		byKind[m.kind] = append(byKind[m.kind], m.obj)
	}
	configKeys := map[string]bool{}
	for _, o := range byKind["ConfigMap"] {
		for k := range o.(*corev1.ConfigMap).Data {
			require.True(t, known[k], "the ConfigMap sets %s, which the binary never reads", k)
			configKeys[k] = true
		}
	}
	for _, o := range byKind["Secret"] {
		for k := range o.(*corev1.Secret).StringData {
			require.True(t, known[k], "the Secret sets %s, which the binary never reads", k)
			require.False(t, configKeys[k], "%s is in both the ConfigMap and the Secret", k)
		}
	}

	deployments := map[string]*appsv1.Deployment{}
	roles := map[string]string{}
	for _, o := range byKind["Deployment"] {
		d := o.(*appsv1.Deployment)
		deployments[d.Name] = d
		require.Equal(t, d.Spec.Selector.MatchLabels, intersect(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels), "%s selects its pods", d.Name)
		c := d.Spec.Template.Spec.Containers[0]
		require.Contains(t, []string{"serve", "worker"}, c.Args[0])
		roles[c.Args[0]] = d.Name
		for _, e := range c.Env {
			require.True(t, known[e.Name], "%s sets %s, which the binary never reads", d.Name, e.Name)
		}
		require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path, "%s: liveness is /healthz", d.Name)
		require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path, "%s: readiness is /readyz", d.Name)
		require.True(t, hasPort(c, c.ReadinessProbe.HTTPGet.Port.String()), "%s: the probe's port is declared", d.Name)
		require.True(t, *d.Spec.Template.Spec.SecurityContext.RunAsNonRoot, "%s runs as non-root", d.Name)
		grace := parseDuration(t, lookup(c, byKind, "SOKOHUB_SHUTDOWN_GRACE")) + parseDuration(t, lookup(c, byKind, "SOKOHUB_DRAIN_DELAY"))
		require.Greater(t, time.Duration(*d.Spec.Template.Spec.TerminationGracePeriodSeconds)*time.Second, grace,
			"%s: Kubernetes waits longer than the drain delay and grace period before SIGKILL", d.Name)
		addr := "SOKOHUB_HTTP_ADDR"
		if c.Args[0] == "worker" {
			addr = "SOKOHUB_OPS_ADDR"
		}
		require.True(t, strings.HasSuffix(lookup(c, byKind, addr), ":"+strconv.Itoa(int(portNumber(c, c.ReadinessProbe.HTTPGet.Port.String())))),
			"%s listens (%s) where its probes look", d.Name, addr)
	}
	require.Contains(t, roles, "serve")
	require.Contains(t, roles, "worker")
	for _, o := range byKind["Service"] {
		s := o.(*corev1.Service)
		matched := false
		for _, d := range deployments {
			if len(intersect(s.Spec.Selector, d.Spec.Template.Labels)) == len(s.Spec.Selector) {
				matched = true
				for _, p := range s.Spec.Ports {
					require.True(t, hasPort(d.Spec.Template.Spec.Containers[0], p.TargetPort.String()), "service %s targets a declared port", s.Name)
				}
			}
		}
		require.True(t, matched, "service %s selects a Deployment's pods", s.Name)
	}
	for _, o := range byKind["HorizontalPodAutoscaler"] {
		h := o.(*autoscalingv2.HorizontalPodAutoscaler)
		require.Contains(t, deployments, h.Spec.ScaleTargetRef.Name, "HPA %s scales a Deployment", h.Name)
	}
	require.Len(t, byKind["Job"], 1)
	job := byKind["Job"][0].(*batchv1.Job)
	require.Equal(t, []string{"migrate", "up"}, job.Spec.Template.Spec.Containers[0].Args)
}

func intersect(want, have map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range want {
		if have[k] == v {
			out[k] = v
		}
	}
	return out
}

func hasPort(c corev1.Container, nameOrNumber string) bool {
	return slices.ContainsFunc(c.Ports, func(p corev1.ContainerPort) bool { return p.Name == nameOrNumber })
}

func portNumber(c corev1.Container, name string) int32 {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

// lookup is the value a container gets for name: its own env, else the
// ConfigMap it loads.
func lookup(c corev1.Container, byKind map[string][]any, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	for _, o := range byKind["ConfigMap"] {
		if v, ok := o.(*corev1.ConfigMap).Data[name]; ok {
			return v
		}
	}
	return ""
}

func parseDuration(t *testing.T, s string) time.Duration {
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	require.NoError(t, err)
	return d
}

func TestDockerfileBuildCommandCompiles(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	df := string(raw)
	gomod, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(gomod)[1]
	require.Contains(t, df, "FROM golang:"+string(goVersion)+"-", "the build stage uses go.mod's Go")
	require.Regexp(t, `(?m)^FROM gcr.io/distroless/static\S*:nonroot$`, df, "a small final image without a shell")
	require.Regexp(t, `(?m)^USER nonroot`, df)
	build := regexp.MustCompile(`(?m)^RUN (CGO_ENABLED=0 .*go build .*)$`).FindStringSubmatch(df)
	require.NotNil(t, build, "one static build command")
	out := filepath.Join(t.TempDir(), "sokohub")
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(build[1], "/out/sokohub", out))
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), "the Dockerfile's build command: %s", stderr.String())
	res, err := exec.Command(out).CombinedOutput()
	require.Error(t, err, "no command: usage and exit 2")
	require.Contains(t, string(res), "usage: sokohub")
}
