/// Labels that identify a workload across restarts and rollouts (what an allow rule can select on).
enum StableLabels {
    /// Keys that change with every rollout or pod, so a rule must not select on them.
    static let volatileKeys: Set<String> = [
        "pod-template-hash", "controller-revision-hash", "pod-template-generation", "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index", "controller-uid", "batch.kubernetes.io/controller-uid", "job-name",
        "batch.kubernetes.io/job-name", "projectcalico.org/created-by", "kubernetes.io/hostname",
        "alpha.kubernetes.io/provided-node-ip",
    ]

    static func filter(_ labels: [String]) -> [String] {
        labels.filter { label in
            let key = label.split(separator: "=", maxSplits: 1).first.map(String.init) ?? label
            return !volatileKeys.contains(key)
        }.sorted()
    }
}
