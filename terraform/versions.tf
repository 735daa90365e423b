# Provider pins for the OVH MKS stack. The lock file (.terraform.lock.hcl) is created by the first
# `terraform init` on a machine with registry access and should then be committed.
terraform {
  required_version = ">= 1.6.0"

  required_providers {
    ovh = {
      source  = "ovh/ovh"
      version = "~> 2.1"
    }
  }
}

# Credentials come from the OVH_ENDPOINT, OVH_APPLICATION_KEY, OVH_APPLICATION_SECRET and
# OVH_CONSUMER_KEY environment variables (playbooks/infrastructure.yml sets them from the vault).
provider "ovh" {
  endpoint = var.ovh_endpoint
}
