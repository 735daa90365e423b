# Staging: one small GPU (Quadro RTX 5000, 16 GB) that scales to zero outside business hours.
service_name  = "0123456789abcdef0123456789abcdef" # replace with the staging Public Cloud project ID
environment   = "staging"
region        = "GRA9"
cluster_name  = "gpuops-staging"
kube_version  = "1.31"
update_policy = "MINIMAL_DOWNTIME"

network = {
  vlan_id    = 110
  cidr       = "10.110.0.0/16"
  dhcp_start = "10.110.0.10"
  dhcp_end   = "10.110.255.250"
}

cpu_pool = {
  name          = "cpu"
  flavor        = "b3-8"
  min_nodes     = 1
  max_nodes     = 3
  desired_nodes = 1
}

gpu_pool = {
  name          = "gpu"
  flavor        = "rtx5000-28"
  min_nodes     = 0
  max_nodes     = 2
  desired_nodes = 0
  labels = {
    "nvidia.com/gpu.present" = "true"
    "gpuops.io/environment"  = "staging"
    "gpuops.io/gpu-product"  = "rtx5000"
  }
}
