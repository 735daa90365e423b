# Private network, cluster and node pools of the OVH MKS stack.
# Argument names follow the ovh/ovh provider documentation (cloud_project_network_private,
# cloud_project_network_private_subnet, cloud_project_kube, cloud_project_kube_nodepool).

resource "ovh_cloud_project_network_private" "nodes" {
  service_name = var.service_name
  name         = "${var.cluster_name}-nodes"
  vlan_id      = var.network.vlan_id
  regions      = [var.region]
}

resource "ovh_cloud_project_network_private_subnet" "nodes" {
  service_name = var.service_name
  network_id   = ovh_cloud_project_network_private.nodes.id
  region       = var.region
  network      = var.network.cidr
  start        = var.network.dhcp_start
  end          = var.network.dhcp_end
  dhcp         = true
  no_gateway   = false
}

resource "ovh_cloud_project_kube" "cluster" {
  service_name  = var.service_name
  name          = var.cluster_name
  region        = var.region
  version       = var.kube_version
  update_policy = var.update_policy

  private_network_id = tolist(ovh_cloud_project_network_private.nodes.regions_attributes[*].openstackid)[0]
  nodes_subnet_id    = ovh_cloud_project_network_private_subnet.nodes.id

  # Egress stays on the nodes' public interface: no vRack gateway is needed for image pulls.
  private_network_configuration {
    default_vrack_gateway              = ""
    private_network_routing_as_default = false
  }
}

resource "ovh_cloud_project_kube_nodepool" "cpu" {
  service_name  = var.service_name
  kube_id       = ovh_cloud_project_kube.cluster.id
  name          = var.cpu_pool.name
  flavor_name   = var.cpu_pool.flavor
  desired_nodes = var.cpu_pool.desired_nodes
  min_nodes     = var.cpu_pool.min_nodes
  max_nodes     = var.cpu_pool.max_nodes
  autoscale     = true

  # The cluster autoscaler owns the node count once the pool exists.
  lifecycle {
    ignore_changes = [desired_nodes]
  }
}

resource "ovh_cloud_project_kube_nodepool" "gpu" {
  service_name  = var.service_name
  kube_id       = ovh_cloud_project_kube.cluster.id
  name          = var.gpu_pool.name
  flavor_name   = var.gpu_pool.flavor
  desired_nodes = var.gpu_pool.desired_nodes
  min_nodes     = var.gpu_pool.min_nodes
  max_nodes     = var.gpu_pool.max_nodes
  autoscale     = true

  template {
    metadata {
      annotations = {}
      finalizers  = []
      labels      = var.gpu_pool.labels
    }
    spec {
      unschedulable = false
      taints        = [var.gpu_taint]
    }
  }

  # playbooks/scale.yml (ovh_mks_nodepool) moves desired and min nodes for business hours;
  # Terraform must not undo that on the next infrastructure run.
  lifecycle {
    ignore_changes = [desired_nodes, min_nodes]
  }
}
