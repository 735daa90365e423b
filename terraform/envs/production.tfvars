# Production: L40S GPUs (48 GB) for larger models; still min 0 so nights and weekends cost nothing.
service_name  = "fedcba9876543210fedcba9876543210" # replace with the production Public Cloud project ID
environment   = "production"
region        = "GRA9"
cluster_name  = "gpuops-production"
kube_version  = "1.31"
update_policy = "MINIMAL_DOWNTIME"

network = {
  vlan_id    = 120
  cidr       = "10.120.0.0/16"
  dhcp_start = "10.120.0.10"
  dhcp_end   = "10.120.255.250"
}

cpu_pool = {
  name          = "cpu"
  flavor        = "b3-16"
  min_nodes     = 1
  max_nodes     = 3
  desired_nodes = 2
}

gpu_pool = {
  name          = "gpu"
  flavor        = "l40s-90"
  min_nodes     = 0
  max_nodes     = 2
  desired_nodes = 0
  labels = {
    "nvidia.com/gpu.present" = "true"
    "gpuops.io/environment"  = "production"
    "gpuops.io/gpu-product"  = "l40s"
  }
}
