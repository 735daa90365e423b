# Inputs of the OVH MKS stack. tests/harness/terraform_fixture links this file, so the same
# declarations and validations are exercised offline with terraform_data resources.

variable "ovh_endpoint" {
  description = "OVH API region: ovh-eu, ovh-ca or ovh-us."
  type        = string
  default     = "ovh-eu"

  validation {
    condition     = contains(["ovh-eu", "ovh-ca", "ovh-us"], var.ovh_endpoint)
    error_message = "ovh_endpoint must be one of ovh-eu, ovh-ca, ovh-us."
  }
}

variable "service_name" {
  description = "ID of the OVH Public Cloud project."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{32}$", var.service_name))
    error_message = "service_name must be the 32 hexadecimal characters of the Public Cloud project ID."
  }
}

variable "environment" {
  description = "Environment name, used in resource names (staging, production)."
  type        = string
}

variable "region" {
  description = "OVH Public Cloud region of the cluster and its private network."
  type        = string
  default     = "GRA9"
}

variable "cluster_name" {
  description = "Name of the MKS cluster."
  type        = string
}

variable "kube_version" {
  description = "Kubernetes minor version of the cluster (for example 1.31)."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]+$", var.kube_version))
    error_message = "kube_version must be a Kubernetes minor version such as 1.31."
  }
}

variable "update_policy" {
  description = "How OVH applies Kubernetes patch updates to the cluster."
  type        = string
  default     = "MINIMAL_DOWNTIME"

  validation {
    condition     = contains(["ALWAYS_UPDATE", "MINIMAL_DOWNTIME", "NEVER_UPDATE"], var.update_policy)
    error_message = "update_policy must be ALWAYS_UPDATE, MINIMAL_DOWNTIME or NEVER_UPDATE."
  }
}

variable "network" {
  description = "Private network (vRack VLAN) and subnet of the nodes."
  type = object({
    vlan_id    = number
    cidr       = string
    dhcp_start = string
    dhcp_end   = string
  })
  default = {
    vlan_id    = 0
    cidr       = "10.10.0.0/16"
    dhcp_start = "10.10.0.10"
    dhcp_end   = "10.10.255.250"
  }

  validation {
    condition     = can(cidrhost(var.network.cidr, 0))
    error_message = "network.cidr must be an IPv4 CIDR block."
  }
}

variable "cpu_pool" {
  description = "The CPU node pool for the system workloads (istio, prometheus, ...)."
  type = object({
    name          = string
    flavor        = string
    min_nodes     = number
    max_nodes     = number
    desired_nodes = number
  })
  default = {
    name          = "cpu"
    flavor        = "b3-8"
    min_nodes     = 1
    max_nodes     = 3
    desired_nodes = 1
  }

  validation {
    condition     = var.cpu_pool.min_nodes <= var.cpu_pool.desired_nodes && var.cpu_pool.desired_nodes <= var.cpu_pool.max_nodes
    error_message = "cpu_pool needs min_nodes <= desired_nodes <= max_nodes."
  }

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.cpu_pool.name))
    error_message = "cpu_pool.name may only hold lower-case letters, digits and '-' (OVH refuses '_')."
  }
}

variable "gpu_pool" {
  description = "The GPU node pool for vLLM. Its node counts are changed day to day by playbooks/scale.yml."
  type = object({
    name          = string
    flavor        = string
    min_nodes     = number
    max_nodes     = number
    desired_nodes = number
    labels        = map(string)
  })
  default = {
    name          = "gpu"
    flavor        = "rtx5000-28"
    min_nodes     = 0
    max_nodes     = 2
    desired_nodes = 0
    labels        = { "nvidia.com/gpu.present" = "true" }
  }

  validation {
    condition     = var.gpu_pool.min_nodes <= var.gpu_pool.desired_nodes && var.gpu_pool.desired_nodes <= var.gpu_pool.max_nodes
    error_message = "gpu_pool needs min_nodes <= desired_nodes <= max_nodes."
  }

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.gpu_pool.name))
    error_message = "gpu_pool.name may only hold lower-case letters, digits and '-' (OVH refuses '_')."
  }
}

variable "gpu_taint" {
  description = "Taint keeping non-GPU workloads off the GPU nodes (the GPU Operator and vLLM tolerate it)."
  type = object({
    key    = string
    value  = string
    effect = string
  })
  default = {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NoSchedule"
  }

  validation {
    condition     = contains(["NoSchedule", "PreferNoSchedule", "NoExecute"], var.gpu_taint.effect)
    error_message = "gpu_taint.effect must be NoSchedule, PreferNoSchedule or NoExecute."
  }
}
