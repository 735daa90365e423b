# Offline stand-in for terraform/: the same variables (variables.tf is a link to the real file),
# the same resources as terraform_data (no provider download) with the arguments the OVH
# resources receive, and the same outputs. playbooks/infrastructure.yml is tested against it.

terraform {
  required_version = ">= 1.6.0"
}

resource "terraform_data" "network" {
  input = {
    service_name = var.service_name
    name         = "${var.cluster_name}-nodes"
    vlan_id      = var.network.vlan_id
    regions      = [var.region]
  }
}

resource "terraform_data" "subnet" {
  input = {
    network_id = terraform_data.network.id
    region     = var.region
    network    = var.network.cidr
    start      = var.network.dhcp_start
    end        = var.network.dhcp_end
  }
}

resource "terraform_data" "cluster" {
  input = {
    service_name       = var.service_name
    name               = var.cluster_name
    region             = var.region
    version            = var.kube_version
    update_policy      = var.update_policy
    private_network_id = terraform_data.network.id
    nodes_subnet_id    = terraform_data.subnet.id
  }
}

resource "terraform_data" "cpu_pool" {
  input = {
    kube_id       = terraform_data.cluster.id
    name          = var.cpu_pool.name
    flavor_name   = var.cpu_pool.flavor
    desired_nodes = var.cpu_pool.desired_nodes
    min_nodes     = var.cpu_pool.min_nodes
    max_nodes     = var.cpu_pool.max_nodes
    autoscale     = true
  }
}

resource "terraform_data" "gpu_pool" {
  input = {
    kube_id       = terraform_data.cluster.id
    name          = var.gpu_pool.name
    flavor_name   = var.gpu_pool.flavor
    desired_nodes = var.gpu_pool.desired_nodes
    min_nodes     = var.gpu_pool.min_nodes
    max_nodes     = var.gpu_pool.max_nodes
    autoscale     = true
    labels        = var.gpu_pool.labels
    taints        = [var.gpu_taint]
  }
}

output "kube_id" {
  value = terraform_data.cluster.id
}

output "cluster_name" {
  value = var.cluster_name
}

output "region" {
  value = var.region
}

output "cpu_pool_name" {
  value = var.cpu_pool.name
}

output "gpu_pool_name" {
  value = var.gpu_pool.name
}

output "gpu_pool_flavor" {
  value = var.gpu_pool.flavor
}

output "private_network_id" {
  value = terraform_data.network.id
}

output "kubeconfig" {
  sensitive = true
  value = yamlencode({
    apiVersion        = "v1"
    kind              = "Config"
    "current-context" = var.cluster_name
    clusters          = [{ name = var.cluster_name, cluster = { server = "https://${terraform_data.cluster.id}.${lower(var.region)}.k8s.ovh.net" } }]
    users             = [{ name = "kubernetes-admin", user = { token = "secret-token-${terraform_data.cluster.id}" } }]
    contexts          = [{ name = var.cluster_name, context = { cluster = var.cluster_name, user = "kubernetes-admin" } }]
  })
}
