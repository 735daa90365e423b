output "kube_id" {
  description = "ID of the MKS cluster (the kube_id of the ovh_mks_nodepool module)."
  value       = ovh_cloud_project_kube.cluster.id
}

output "cluster_name" {
  description = "Name of the MKS cluster."
  value       = ovh_cloud_project_kube.cluster.name
}

output "region" {
  description = "Region of the cluster."
  value       = var.region
}

output "cpu_pool_name" {
  description = "Name of the CPU node pool."
  value       = ovh_cloud_project_kube_nodepool.cpu.name
}

output "gpu_pool_name" {
  description = "Name of the GPU node pool (scaled by playbooks/scale.yml)."
  value       = ovh_cloud_project_kube_nodepool.gpu.name
}

output "gpu_pool_flavor" {
  description = "Flavor of the GPU node pool."
  value       = ovh_cloud_project_kube_nodepool.gpu.flavor_name
}

output "private_network_id" {
  description = "ID of the private network of the nodes."
  value       = ovh_cloud_project_network_private.nodes.id
}

output "kubeconfig" {
  description = "Admin kubeconfig of the cluster; written to disk with mode 0600 by playbooks/infrastructure.yml."
  value       = ovh_cloud_project_kube.cluster.kubeconfig
  sensitive   = true
}
