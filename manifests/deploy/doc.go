// Package deploy holds the Kubernetes manifests that run exreconcile in a cluster (a drift-check
// CronJob, a suspended apply CronJob, a continuous reconciler Deployment with its metrics
// Service, their ConfigMaps, Secret and ServiceAccount) and CI pipeline examples under ci/.
//
// It has no Go code of its own: its tests decode every manifest strictly with the Kubernetes
// API types and check the security settings and the wiring between the objects, so a typo in a
// field name or a path fails `go test` rather than a rollout.
package deploy
